import { Problem } from "@hangout/platform/http-schemas";
import { Elysia, t } from "elysia";
import type { HangoutDeps } from "../deps.ts";
import { authGuard } from "../http/auth-guard.ts";
import { Text } from "../http/text.ts";
import type { ActivityWithVote } from "../repositories/activities.ts";
import type { Activities } from "../services/activities.ts";

export const ActivityView = t.Object({
  id: t.String({ format: "uuid" }),
  title: t.String(),
  notes: t.Union([t.String(), t.Null()]),
  proposedBy: t.String({ format: "uuid" }),
  votes: t.Integer({ minimum: 0 }),
  votedByMe: t.Boolean(),
  createdAt: t.String({ format: "date-time" }),
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

export const CreateActivityBody = t.Object(
  {
    title: Text(1, 120),
    notes: t.Optional(t.Union([Text(0, 2000), t.Null()])),
  },
  { additionalProperties: false },
);

export const createActivityRoute = ({ verify, idempotent }: HangoutDeps, activities: Activities) =>
  new Elysia().use(authGuard(verify)).post(
    "/hangouts/:id/activities",
    ({ userId, params, body, headers, set }) =>
      idempotent(
        {
          userId,
          key: headers["idempotency-key"] ?? null,
          scope: `POST /hangouts/${params.id}/activities`,
          body,
          set,
        },
        async () => ({
          status: 201,
          body: activityView(await activities.propose(params.id, userId, body)),
        }),
      ),
    {
      body: CreateActivityBody,
      headers: t.Object({ "idempotency-key": t.Optional(t.String()) }),
      response: { 201: ActivityView, 401: Problem, 404: Problem, 409: Problem, 422: Problem },
      detail: {
        tags: ["activities"],
        summary: "Propose an activity for a hangout (members)",
        security: [{ bearer: [] }],
      },
    },
  );
