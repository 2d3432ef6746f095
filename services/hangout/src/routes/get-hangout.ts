import { authGuard } from "@hangout/platform/auth-guard";
import { Problem } from "@hangout/platform/http-schemas";
import { Elysia } from "elysia";
import type { HangoutDeps } from "../deps.ts";
import { HangoutView, hangoutView } from "../views/hangouts.ts";

export const getHangoutRoute = ({ verify, hangouts }: HangoutDeps) =>
  new Elysia()
    .use(authGuard(verify))
    .get(
      "/hangouts/:id",
      async ({ userId, params }) => hangoutView(await hangouts.get(params.id, userId)),
      {
        response: { 200: HangoutView, 401: Problem, 404: Problem },
        detail: {
          tags: ["hangouts"],
          summary: "One hangout (members only)",
          security: [{ bearer: [] }],
        },
      },
    );
