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
  pendingEmails: t.Array(t.String(), {
    description:
      "Addresses with no account, as given: each has a pending invitation (new, or with its expiry moved forward)",
  }),
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
        summary: "Invite people by email (owner only); they join with RSVP pending",
        description:
          "Emails are matched case-insensitively against registered users: users not yet members join at once (`invited`), members already in are listed in `alreadyMembers`. An address with no account gets a pending invitation and is listed in `pendingEmails`; when that address signs up it becomes a member with RSVP `pending`. Invitations expire after `HANGOUT_PENDING_INVITATION_TTL_DAYS` days (default 30) and are never honoured after. Inviting an address again while its invitation is pending moves the expiry forward and lists it in `pendingEmails` again, but does not send a second `member.invited` event (an expired one is replaced by a new invitation, which does). The owner sees pending invitations at `GET /hangouts/{id}/invitations`.",
        security: [{ bearer: [] }],
      },
    },
  );
