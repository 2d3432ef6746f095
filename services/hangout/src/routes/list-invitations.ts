import { authGuard } from "@hangout/platform/auth-guard";
import { Problem } from "@hangout/platform/http-schemas";
import { decodeCursor, Page, PageQuery, timeAndId } from "@hangout/platform/pagination";
import { Elysia, t } from "elysia";
import type { HangoutDeps } from "../deps.ts";
import { InvitationView } from "../views/invitations.ts";

export const listInvitationsRoute = ({ verify, invitations }: HangoutDeps) =>
  new Elysia().use(authGuard(verify)).get(
    "/hangouts/:id/invitations",
    ({ userId, params, query }) => {
      const limit = query.limit ?? 20;
      const after = decodeCursor(query.cursor, 2, timeAndId);
      return invitations.list(params.id, userId, after, limit);
    },
    {
      query: t.Object(PageQuery),
      response: {
        200: Page(InvitationView),
        401: Problem,
        403: Problem,
        404: Problem,
        422: Problem,
      },
      detail: {
        tags: ["members"],
        summary: "Pending invitations to addresses with no account, oldest first (owner only)",
        description:
          "Invitations made by `POST /hangouts/{id}/invites` for addresses that have no account yet, until the address signs up (it then becomes a member with RSVP `pending` and leaves this list) or the invitation expires (never listed, never honoured). A list of its own rather than entries in `GET /hangouts/{id}/members`, so that the member list stays one keyset over members (joining time, then user id) and shows nobody's address, and so that only the owner sees the addresses: a member gets 403, anyone else 404.",
        security: [{ bearer: [] }],
      },
    },
  );
