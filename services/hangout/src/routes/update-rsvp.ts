import { authGuard } from "@hangout/platform/auth-guard";
import { OneOf, Problem } from "@hangout/platform/http-schemas";
import { Elysia, t } from "elysia";
import type { HangoutDeps } from "../deps.ts";
import { MemberView } from "../views/members.ts";

export const updateRsvpRoute = ({ verify, members }: HangoutDeps) =>
  new Elysia()
    .use(authGuard(verify))
    .put(
      "/hangouts/:id/rsvp",
      ({ userId, params, body }) => members.setRsvp(params.id, userId, body.rsvp),
      {
        body: t.Object(
          { rsvp: OneOf(["going", "maybe", "declined"]) },
          { additionalProperties: false },
        ),
        response: { 200: MemberView, 401: Problem, 404: Problem, 422: Problem, 503: Problem },
        detail: {
          tags: ["members"],
          summary: "Set the caller's RSVP (members)",
          security: [{ bearer: [] }],
        },
      },
    );
