import { clientAddress } from "@hangout/platform/client-address";
import { Elysia, t } from "elysia";
import type { AuthDeps } from "../deps.ts";
import { REFRESH_COOKIE, setRefreshCookie } from "./refresh-cookie.ts";
import { Problem, TokenResponse, tokenResponse } from "./schemas.ts";

export const LoginBody = t.Object(
  {
    email: t.String({ minLength: 1, maxLength: 254 }),
    password: t.String({ minLength: 1, maxLength: 128 }),
  },
  { additionalProperties: false },
);

export const loginRoute = ({ accounts, sessions, config }: AuthDeps) =>
  new Elysia().post(
    "/auth/login",
    async ({ body, request, cookie }) => {
      const address = clientAddress(request.headers, config.AUTH_TRUST_PROXY);
      const grant = await accounts.login(body, address);
      setRefreshCookie(cookie[REFRESH_COOKIE]!, grant.refreshToken, sessions.ttlSeconds);
      return tokenResponse(grant);
    },
    {
      body: LoginBody,
      response: { 200: TokenResponse, 401: Problem, 422: Problem, 429: Problem },
      detail: {
        tags: ["auth"],
        summary: "Log in with email and password",
        security: [],
        description:
          "Returns an access token and a refresh token (also set as an HttpOnly cookie). Repeated failures lock the account and the client address for a while (429 with Retry-After).",
      },
    },
  );
