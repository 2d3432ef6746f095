import { Problem } from "@hangout/platform/http-schemas";
import { Elysia, t } from "elysia";
import type { HangoutDeps } from "../deps.ts";
import { authGuard } from "../http/auth-guard.ts";
import type { Activities } from "../services/activities.ts";
import { ActivityView, activityView } from "./create-activity.ts";

export const listActivitiesRoute = ({ verify }: HangoutDeps, activities: Activities) =>
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
