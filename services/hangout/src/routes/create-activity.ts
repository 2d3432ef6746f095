import { authGuard } from "@hangout/platform/auth-guard";
import { Problem, Text } from "@hangout/platform/http-schemas";
import { Elysia, t } from "elysia";
import type { HangoutDeps } from "../deps.ts";
import { ActivityView, activityView } from "../views/activities.ts";

export const CreateActivityBody = t.Object(
  {
    title: Text(1, 120),
    notes: t.Optional(t.Union([Text(0, 2000), t.Null()])),
  },
  { additionalProperties: false },
);

export const createActivityRoute = ({ verify, idempotent, activities }: HangoutDeps) =>
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
