import { authGuard } from "@hangout/platform/auth-guard";
import { Problem } from "@hangout/platform/http-schemas";
import { Elysia, t } from "elysia";
import type { HangoutDeps } from "../deps.ts";
import { MemoryView, memoryView } from "../views/memories.ts";

export const confirmMemoriesRoute = ({ verify, memories }: HangoutDeps) =>
  new Elysia().use(authGuard(verify)).post(
    "/hangouts/:id/memories/confirm",
    async ({ userId, params, body }) => {
      const { confirmed, failed } = await memories.confirm(params.id, userId, body.memoryIds);
      return { confirmed: confirmed.map(memoryView), failed };
    },
    {
      body: t.Object(
        { memoryIds: t.Array(t.String({ format: "uuid" }), { minItems: 1, maxItems: 10 }) },
        { additionalProperties: false },
      ),
      response: {
        200: t.Object({
          confirmed: t.Array(MemoryView),
          failed: t.Array(t.Object({ memoryId: t.String(), reason: t.String() })),
        }),
        401: Problem,
        404: Problem,
        422: Problem,
        503: Problem,
      },
      detail: {
        tags: ["memories"],
        summary: "Confirm uploaded photos; each is checked (size, type, checksum, image bytes)",
        security: [{ bearer: [] }],
      },
    },
  );
