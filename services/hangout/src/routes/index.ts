import type { HangoutDeps } from "../deps.ts";
import { confirmMemoriesRoute } from "./confirm-memories.ts";
import { createActivityRoute } from "./create-activity.ts";
import { createHangoutRoute } from "./create-hangout.ts";
import { createMemoryUploadsRoute } from "./create-memory-uploads.ts";
import { deleteHangoutRoute } from "./delete-hangout.ts";
import { deleteMemoryRoute } from "./delete-memory.ts";
import { getHangoutRoute } from "./get-hangout.ts";
import { getMemoryRoute } from "./get-memory.ts";
import { hangoutEventsRoute } from "./hangout-events.ts";
import { inviteMembersRoute } from "./invite-members.ts";
import { listActivitiesRoute } from "./list-activities.ts";
import { listHangoutsRoute } from "./list-hangouts.ts";
import { listInvitationsRoute } from "./list-invitations.ts";
import { listMembersRoute } from "./list-members.ts";
import { listMemoriesRoute } from "./list-memories.ts";
import { myEventsRoute } from "./my-events.ts";
import { removeMemberRoute } from "./remove-member.ts";
import { updateHangoutRoute } from "./update-hangout.ts";
import { updateRsvpRoute } from "./update-rsvp.ts";
import { voteActivityRoutes } from "./vote-activity.ts";

/** Every public route of hangout, in the order the docs list them. */
export const routes = (deps: HangoutDeps) => [
  createHangoutRoute(deps),
  listHangoutsRoute(deps),
  getHangoutRoute(deps),
  updateHangoutRoute(deps),
  deleteHangoutRoute(deps),
  inviteMembersRoute(deps),
  listMembersRoute(deps),
  listInvitationsRoute(deps),
  updateRsvpRoute(deps),
  removeMemberRoute(deps),
  createActivityRoute(deps),
  listActivitiesRoute(deps),
  voteActivityRoutes(deps),
  createMemoryUploadsRoute(deps),
  confirmMemoriesRoute(deps),
  listMemoriesRoute(deps),
  getMemoryRoute(deps),
  deleteMemoryRoute(deps),
  hangoutEventsRoute(deps),
  myEventsRoute(deps),
];
