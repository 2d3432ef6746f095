import { authGuard } from "@hangout/platform/auth-guard";
import { Problem } from "@hangout/platform/http-schemas";
import { decodeCursor, Page, PageQuery, timeAndId } from "@hangout/platform/pagination";
import { Elysia, t } from "elysia";
import type { HangoutDeps } from "../deps.ts";
import { MemberView } from "../views/members.ts";

export const listMembersRoute = ({ verify, members }: HangoutDeps) =>
  new Elysia().use(authGuard(verify)).get(
    "/hangouts/:id/members",
    ({ userId, params, query }) => {
      const limit = query.limit ?? 20;
      const after = decodeCursor(query.cursor, 2, timeAndId);
      return members.list(params.id, userId, after, limit);
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
