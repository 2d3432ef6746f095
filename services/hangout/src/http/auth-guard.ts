import { type AccessTokenVerifier, bearerToken } from "@hangout/platform/access-token";
import { Elysia } from "elysia";

/**
 * Every hangout route needs a valid access token; this resolves the caller's user id from it
 * (401 problem otherwise). Routes `.use()` it and read `userId` from the context.
 */
export const authGuard = (verify: AccessTokenVerifier) =>
  new Elysia({ name: "hangout.auth-guard" }).resolve({ as: "scoped" }, async ({ request }) => ({
    userId: (await verify(bearerToken(request.headers.get("authorization")))).sub,
  }));
