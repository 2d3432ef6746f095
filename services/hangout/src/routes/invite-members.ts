import { authGuard } from "@hangout/platform/auth-guard";
import { Problem } from "@hangout/platform/http-schemas";
import { Elysia, t } from "elysia";
import type { HangoutDeps } from "../deps.ts";

const InviteBody = t.Object(
  {
    emails: t.Array(t.String({ format: "email", maxLength: 254 }), { minItems: 1, maxItems: 50 }),
  },
  { additionalProperties: false },
);

const InviteResult = t.Object({
  invited: t.Array(t.String({ format: "uuid" })),
  alreadyMembers: t.Array(t.String({ format: "uuid" })),
  unknownEmails: t.Array(t.String()),
});

export const inviteMembersRoute = ({ verify, idempotent, members }: HangoutDeps) =>
  new Elysia().use(authGuard(verify)).post(
    "/hangouts/:id/invites",
    ({ userId, params, body, headers, set }) =>
      idempotent(
        {
          userId,
          key: headers["idempotency-key"] ?? null,
          scope: `POST /hangouts/${params.id}/invites`,
          body,
          set,
        },
        async () => ({ status: 200, body: await members.invite(params.id, userId, body.emails) }),
      ),
    {
      body: InviteBody,
      headers: t.Object({ "idempotency-key": t.Optional(t.String()) }),
      response: {
        200: InviteResult,
        401: Problem,
        403: Problem,
        404: Problem,
        409: Problem,
        422: Problem,
        503: Problem,
      },
      detail: {
        tags: ["members"],
        summary: "Invite users by email (owner only); they join with RSVP pending",
        description:
          "Emails are matched case-insensitively against registered users; unknown ones are listed in `unknownEmails`, existing members in `alreadyMembers`.",
        security: [{ bearer: [] }],
      },
    },
  );
