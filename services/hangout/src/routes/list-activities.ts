import { authGuard } from "@hangout/platform/auth-guard";
import { Problem } from "@hangout/platform/http-schemas";
import { Elysia, t } from "elysia";
import type { HangoutDeps } from "../deps.ts";
import { ActivityView, activityView } from "../views/activities.ts";

export const listActivitiesRoute = ({ verify, activities }: HangoutDeps) =>
  new Elysia().use(authGuard(verify)).get(
    "/hangouts/:id/activities",
    async ({ userId, params }) => ({
      items: (await activities.list(params.id, userId)).map(activityView),
    }),
    {
      response: { 200: t.Object({ items: t.Array(ActivityView) }), 401: Problem, 404: Problem },
      detail: {
        tags: ["activities"],
        summary: "A hangout's activities: most votes first, then oldest, then id",
        security: [{ bearer: [] }],
      },
    },
  );
