import { authGuard } from "@hangout/platform/auth-guard";
import { OneOf, Problem } from "@hangout/platform/http-schemas";
import { decodeCursor, Page, PageQuery, pageOf, timeAndId } from "@hangout/platform/pagination";
import { Elysia, t } from "elysia";
import type { HangoutDeps } from "../deps.ts";
import { HangoutView, hangoutView } from "../views/hangouts.ts";

export const listHangoutsRoute = ({ verify, hangouts }: HangoutDeps) =>
  new Elysia().use(authGuard(verify)).get(
    "/hangouts",
    async ({ userId, query }) => {
      const limit = query.limit ?? 20;
      const position = decodeCursor(query.cursor, 2, timeAndId);
      const after = position && { startsAt: position.at, id: position.id };
      const rows = await hangouts.list(userId, { status: query.status, after, limit: limit + 1 });
      const page = pageOf(rows, limit, (row) => [
        row.hangout.startsAt.toISOString(),
        row.hangout.id,
      ]);
      return { items: page.rows.map(hangoutView), nextCursor: page.nextCursor };
    },
    {
      query: t.Object({
        ...PageQuery,
        status: t.Optional(OneOf(["planning", "confirmed", "done", "cancelled"])),
      }),
      response: { 200: Page(HangoutView), 401: Problem, 422: Problem },
      detail: {
        tags: ["hangouts"],
        summary: "The caller's hangouts, soonest first",
        security: [{ bearer: [] }],
      },
    },
  );
