import { AppError } from "@hangout/platform/errors";
import { Elysia, t } from "elysia";
import type { AuthDeps } from "../deps.ts";
import { REFRESH_COOKIE, setRefreshCookie } from "./refresh-cookie.ts";
import { Problem, TokenResponse, tokenResponse } from "./schemas.ts";

export const RefreshBody = t.Optional(
  t.Object(
    { refreshToken: t.Optional(t.String({ minLength: 1, maxLength: 256 })) },
    { additionalProperties: false },
  ),
);

export const refreshRoute = ({ accounts, sessions }: AuthDeps) =>
  new Elysia().post(
    "/auth/refresh",
    async ({ body, cookie }) => {
      const presented = body?.refreshToken ?? cookie[REFRESH_COOKIE]?.value;
      if (typeof presented !== "string" || !presented) {
        throw new AppError("unauthorized", "A refresh token is required");
      }
      const grant = await accounts.refresh(presented);
      setRefreshCookie(cookie[REFRESH_COOKIE]!, grant.refreshToken, sessions.ttlSeconds);
      return tokenResponse(grant);
    },
    {
      body: RefreshBody,
      response: { 200: TokenResponse, 401: Problem },
      detail: {
        tags: ["auth"],
        summary: "Exchange a refresh token for new tokens",
        security: [],
        description:
          "The refresh token comes from the body or the cookie and is rotated on every use. Presenting a token that was already used revokes every token of that login.",
      },
    },
  );
