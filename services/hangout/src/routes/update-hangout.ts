import { authGuard } from "@hangout/platform/auth-guard";
import { Problem } from "@hangout/platform/http-schemas";
import { Elysia } from "elysia";
import type { HangoutDeps } from "../deps.ts";
import { HangoutView, hangoutView } from "../views/hangouts.ts";
import { UpdateHangoutBody } from "./hangout-body.ts";

export const updateHangoutRoute = ({ verify, hangouts }: HangoutDeps) =>
  new Elysia()
    .use(authGuard(verify))
    .patch(
      "/hangouts/:id",
      async ({ userId, params, body }) =>
        hangoutView(await hangouts.update(params.id, userId, body)),
      {
        body: UpdateHangoutBody,
        response: {
          200: HangoutView,
          401: Problem,
          403: Problem,
          404: Problem,
          409: Problem,
          422: Problem,
        },
        detail: {
          tags: ["hangouts"],
          summary: "Edit a hangout or move its status (owner only)",
          description:
            "Status moves planning → confirmed → done, or to cancelled from planning or confirmed; anything else is 409.",
          security: [{ bearer: [] }],
        },
      },
    );
