import { bearerToken } from "@hangout/platform/access-token";
import { AppError } from "@hangout/platform/errors";
import { Elysia, t } from "elysia";
import type { AuthDeps } from "../deps.ts";
import { RefreshBody } from "./refresh.ts";
import { clearRefreshCookie, REFRESH_COOKIE } from "./refresh-cookie.ts";
import { Problem } from "./schemas.ts";

export const logoutRoute = ({ accounts, tokens }: AuthDeps) =>
  new Elysia().post(
    "/auth/logout",
    async ({ body, cookie, request, set }) => {
      const { sub } = await tokens.verify(bearerToken(request.headers.get("authorization")));
      const presented = body?.refreshToken ?? cookie[REFRESH_COOKIE]?.value;
      if (typeof presented !== "string" || !presented) {
        throw new AppError("unauthorized", "A refresh token is required");
      }
      await accounts.logout(presented, sub);
      clearRefreshCookie(cookie[REFRESH_COOKIE]!);
      set.status = 204;
    },
    {
      body: RefreshBody,
      response: { 204: t.Void({ description: "Logged out" }), 401: Problem },
      detail: {
        tags: ["auth"],
        summary: "Log out: revoke the refresh token's login",
        security: [{ bearer: [] }],
      },
    },
  );
