/**
 * The API clients: openapi-fetch over the generated types of each service, on this page's own
 * origin (the dev server and the edge route the API paths to the services). Every call goes
 * through `call`, which adds the bearer token, turns a problem into an ApiError and, when the
 * access token has expired meanwhile, refreshes it once and repeats the request.
 */
import createClient, { type Middleware } from "openapi-fetch";
import type { paths as AuthPaths } from "./generated/auth.ts";
import type { paths as HangoutPaths } from "./generated/hangout.ts";
import type { paths as NotificationPaths } from "./generated/notification.ts";
import { toApiError } from "./problem.ts";
import { currentToken, refresh } from "./session.ts";

const bearer: Middleware = {
  onRequest({ request }) {
    const token = currentToken();
    if (token && !request.headers.has("authorization")) {
      request.headers.set("authorization", `Bearer ${token}`);
    }
    return request;
  },
};

const options = { baseUrl: globalThis.location?.origin ?? "", credentials: "same-origin" } as const;
export const authApi = createClient<AuthPaths>(options);
export const hangoutApi = createClient<HangoutPaths>(options);
export const notificationApi = createClient<NotificationPaths>(options);
for (const client of [authApi, hangoutApi, notificationApi]) client.use(bearer);

interface Outcome<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The data of a successful call; an ApiError otherwise (after one refresh on a 401). */
export async function call<T>(request: () => Promise<Outcome<T>>): Promise<T> {
  let outcome = await request();
  if (outcome.response.status === 401 && currentToken() && (await refresh())) {
    outcome = await request();
  }
  if (!outcome.response.ok) throw toApiError(outcome.response.status, outcome.error);
  return outcome.data as T;
}
