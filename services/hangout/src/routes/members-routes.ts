import { Elysia } from "elysia";
import type { HangoutDeps } from "../deps.ts";

/** Invites, members, RSVP and leaving (filled in by the members work). */
export const membersRoutes = (_deps: HangoutDeps) => new Elysia({ name: "hangout.members" });
