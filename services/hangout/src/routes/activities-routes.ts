import { Elysia } from "elysia";
import type { HangoutDeps } from "../deps.ts";
import { createActivitiesRepository } from "../repositories/activities.ts";
import { createActivities } from "../services/activities.ts";
import { createActivityRoute } from "./create-activity.ts";
import { listActivitiesRoute } from "./list-activities.ts";
import { voteActivityRoutes } from "./vote-activity.ts";

/** Activities members propose for a hangout, and their votes. */
export const activitiesRoutes = (deps: HangoutDeps) => {
  const activities = createActivities({
    repo: createActivitiesRepository(deps.db),
    access: deps.access,
    clock: deps.clock,
  });
  return new Elysia({ name: "hangout.activities" })
    .use(createActivityRoute(deps, activities))
    .use(listActivitiesRoute(deps, activities))
    .use(voteActivityRoutes(deps, activities));
};
