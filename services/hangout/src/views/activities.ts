import { t } from "elysia";
import type { ActivityWithVote } from "../repositories/activities.ts";
import { DateTime } from "./hangouts.ts";

export const ActivityView = t.Object({
  id: t.String({ format: "uuid" }),
  title: t.String(),
  notes: t.Union([t.String(), t.Null()]),
  proposedBy: t.String({ format: "uuid" }),
  votes: t.Integer({ minimum: 0 }),
  votedByMe: t.Boolean(),
  createdAt: DateTime,
});

export const activityView = ({ activity: a, votedByMe }: ActivityWithVote) => ({
  id: a.id,
  title: a.title,
  notes: a.notes,
  proposedBy: a.proposedBy,
  votes: a.voteCount,
  votedByMe,
  createdAt: a.createdAt.toISOString(),
});
