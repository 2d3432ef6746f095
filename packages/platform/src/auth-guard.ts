import { type AccessTokenVerifier, bearerToken } from "@hangout/platform/access-token";
import { Elysia } from "elysia";

/**
 * A route that uses this needs a valid access token; this resolves the caller's user id from it
 * (401 problem otherwise). Routes `.use()` it and read `userId` from the context.
 *
 * `derive`, not `resolve`: derive runs before body validation, so a caller without a valid token
 * gets 401 and never learns a route's field rules from a 422.
 */
export const authGuard = (verify: AccessTokenVerifier) =>
  new Elysia({ name: "platform.auth-guard" }).derive({ as: "scoped" }, async ({ request }) => {
    const claims = await verify(bearerToken(request.headers.get("authorization")));
    // `tokenExp` (seconds since the epoch): a response that outlives the token ends with it.
    return { userId: claims.sub, tokenExp: claims.exp };
  });
