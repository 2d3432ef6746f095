import { Elysia } from "elysia";
import type { HangoutDeps } from "../deps.ts";
import { createMembersRepository } from "../repositories/members.ts";
import { createMembers } from "../services/members.ts";
import { inviteMembersRoute } from "./invite-members.ts";
import { listMembersRoute } from "./list-members.ts";
import { removeMemberRoute } from "./remove-member.ts";
import { updateRsvpRoute } from "./update-rsvp.ts";

/** Invites, members, RSVP and leaving. */
export const membersRoutes = (deps: HangoutDeps) => {
  const members = createMembers({
    repo: createMembersRepository(deps.db),
    access: deps.access,
    clients: deps.clients,
    clock: deps.clock,
  });
  return new Elysia({ name: "hangout.members" })
    .use(inviteMembersRoute(deps, members))
    .use(listMembersRoute(deps, members))
    .use(updateRsvpRoute(deps, members))
    .use(removeMemberRoute(deps, members));
};
