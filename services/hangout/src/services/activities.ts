import { AppError } from "@hangout/platform/errors";
import { isUuid } from "@hangout/platform/ids";
import type { ActivitiesRepository, ActivityWithVote } from "../repositories/activities.ts";
import type { Access } from "./access.ts";
import { hangoutEvent } from "./events.ts";

export interface ActivityInput {
  title: string;
  notes?: string | null;
}

export interface ActivitiesDeps {
  repo: ActivitiesRepository;
  access: Access;
  clock: () => Date;
}

const noSuchActivity = () => new AppError("not_found", "No such activity");

/** Activities members propose for a hangout, and their votes (one per member). */
export function createActivities({ repo, access, clock }: ActivitiesDeps) {
  /** Checks membership, then the activity id's shape (a bad one is just an unknown activity). */
  async function memberAndActivity(hangoutId: string, activityId: string, userId: string) {
    await access.member(hangoutId, userId);
    if (!isUuid(activityId)) throw noSuchActivity();
  }

  return {
    async propose(hangoutId: string, userId: string, input: ActivityInput) {
      // Stored and published as the hangout spells its id, whatever case the path used.
      const { hangout } = await access.member(hangoutId, userId);
      const activity = {
        id: Bun.randomUUIDv7(),
        hangoutId: hangout.id,
        title: input.title,
        notes: input.notes ?? null,
        proposedBy: userId,
        voteCount: 0,
        createdAt: clock(),
      };
      const inserted = await repo.insert(activity, [
        hangoutEvent("dev.hangout-planner.activity.proposed.v1", {
          hangoutId: hangout.id,
          activityId: activity.id,
          proposedBy: userId,
          title: activity.title,
        }),
      ]);
      if (!inserted) throw new AppError("not_found", "No such hangout");
      return { activity, votedByMe: false } satisfies ActivityWithVote;
    },

    async list(hangoutId: string, userId: string) {
      await access.member(hangoutId, userId);
      return repo.listForHangout(hangoutId, userId);
    },

    async vote(hangoutId: string, activityId: string, userId: string) {
      await memberAndActivity(hangoutId, activityId, userId);
      if (!(await repo.addVote(hangoutId, activityId, userId, clock()))) throw noSuchActivity();
    },

    async unvote(hangoutId: string, activityId: string, userId: string) {
      await memberAndActivity(hangoutId, activityId, userId);
      if (!(await repo.removeVote(hangoutId, activityId, userId))) throw noSuchActivity();
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
