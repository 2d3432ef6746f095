import { OneOf, Problem } from "@hangout/platform/http-schemas";
import { Elysia, t } from "elysia";
import type { HangoutDeps } from "../deps.ts";
import { authGuard } from "../http/auth-guard.ts";
import { decodeCursor, encodeCursor, Page, PageQuery, timeAndId } from "../http/pagination.ts";
import type { Members } from "../services/members.ts";

export const MemberView = t.Object({
  userId: t.String({ format: "uuid" }),
  name: t.String(),
  role: OneOf(["owner", "member"]),
  rsvp: OneOf(["going", "maybe", "declined", "pending"]),
});

export const listMembersRoute = ({ verify }: HangoutDeps, members: Members) =>
  new Elysia().use(authGuard(verify)).get(
    "/hangouts/:id/members",
    async ({ userId, params, query }) => {
      const limit = query.limit ?? 20;
      const after = decodeCursor(query.cursor, 2, timeAndId);
      const page = await members.list(params.id, userId, after, limit);
      return {
        items: page.items,
        nextCursor:
          page.more && page.last
            ? encodeCursor([page.last.joinedAt.toISOString(), page.last.userId])
            : null,
      };
    },
    {
      query: t.Object(PageQuery),
      response: { 200: Page(MemberView), 401: Problem, 404: Problem, 422: Problem, 503: Problem },
      detail: {
        tags: ["members"],
        summary: "A hangout's members with their RSVPs, in joining order (members only)",
        security: [{ bearer: [] }],
      },
    },
  );
