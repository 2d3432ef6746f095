import { Elysia } from "elysia";
import type { HangoutDeps } from "../deps.ts";

/** Activities and votes (filled in by the activities work). */
export const activitiesRoutes = (_deps: HangoutDeps) => new Elysia({ name: "hangout.activities" });
