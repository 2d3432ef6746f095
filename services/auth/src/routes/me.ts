import { bearerToken } from "@hangout/platform/access-token";
import { Elysia } from "elysia";
import type { AuthDeps } from "../deps.ts";
import { Problem, UserView, userView } from "./schemas.ts";

export const meRoute = ({ accounts }: AuthDeps) =>
  new Elysia().get(
    "/auth/me",
    async ({ request }) =>
      userView(await accounts.me(bearerToken(request.headers.get("authorization")))),
    {
      response: { 200: UserView, 401: Problem },
      detail: { tags: ["auth"], summary: "The caller's account", security: [{ bearer: [] }] },
    },
  );
