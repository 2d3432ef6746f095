import { authGuard } from "@hangout/platform/auth-guard";
import { Problem } from "@hangout/platform/http-schemas";
import { decodeCursor, Page, PageQuery, timeAndId } from "@hangout/platform/pagination";
import { Elysia, t } from "elysia";
import type { HangoutDeps } from "../deps.ts";
import { MemoryView, memoryView } from "../views/memories.ts";

export const listMemoriesRoute = ({ verify, memories }: HangoutDeps) =>
  new Elysia().use(authGuard(verify)).get(
    "/hangouts/:id/memories",
    async ({ userId, params, query }) => {
      const limit = query.limit ?? 20;
      const after = decodeCursor(query.cursor, 2, timeAndId);
      const page = await memories.list(params.id, userId, after, limit);
      return { items: page.items.map(memoryView), nextCursor: page.nextCursor };
    },
    {
      query: t.Object(PageQuery),
      response: { 200: Page(MemoryView), 401: Problem, 404: Problem, 422: Problem, 503: Problem },
      detail: {
        tags: ["memories"],
        summary: "Confirmed photos of a hangout, newest first",
        security: [{ bearer: [] }],
      },
    },
  );
