import { authGuard } from "@hangout/platform/auth-guard";
import { Problem } from "@hangout/platform/http-schemas";
import { Elysia, t } from "elysia";
import type { HangoutDeps } from "../deps.ts";

const PATH = "/hangouts/:id/activities/:activityId/vote";

/** PUT and DELETE of the caller's vote; both idempotent. */
export const voteActivityRoutes = ({ verify, activities }: HangoutDeps) =>
  new Elysia()
    .use(authGuard(verify))
    .put(
      PATH,
      async ({ userId, params, set }) => {
        await activities.vote(params.id, params.activityId, userId);
        set.status = 204;
      },
      {
        response: { 204: t.Void({ description: "The vote counts" }), 401: Problem, 404: Problem },
        detail: {
          tags: ["activities"],
          summary: "Vote for an activity (one vote per member; repeating it changes nothing)",
          security: [{ bearer: [] }],
        },
      },
    )
    .delete(
      PATH,
      async ({ userId, params, set }) => {
        await activities.unvote(params.id, params.activityId, userId);
        set.status = 204;
      },
      {
        response: {
          204: t.Void({ description: "The vote is withdrawn" }),
          401: Problem,
          404: Problem,
        },
        detail: {
          tags: ["activities"],
          summary: "Withdraw the caller's vote (repeating it changes nothing)",
          security: [{ bearer: [] }],
        },
      },
    );
