import { authGuard } from "@hangout/platform/auth-guard";
import { Problem } from "@hangout/platform/http-schemas";
import { Elysia, t } from "elysia";
import type { HangoutDeps } from "../deps.ts";

export const deleteMemoryRoute = ({ verify, memories }: HangoutDeps) =>
  new Elysia().use(authGuard(verify)).delete(
    "/memories/:id",
    async ({ userId, params, set }) => {
      await memories.remove(params.id, userId);
      set.status = 204;
    },
    {
      response: {
        204: t.Void({ description: "Deleted, with its file" }),
        401: Problem,
        403: Problem,
        404: Problem,
        503: Problem,
      },
      detail: {
        tags: ["memories"],
        summary: "Delete a photo and its file (its uploader or the hangout's owner)",
        security: [{ bearer: [] }],
      },
    },
  );
