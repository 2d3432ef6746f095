import { authGuard } from "@hangout/platform/auth-guard";
import { Problem } from "@hangout/platform/http-schemas";
import { Elysia, t } from "elysia";
import type { HangoutDeps } from "../deps.ts";

export const deleteHangoutRoute = ({ verify, hangouts }: HangoutDeps) =>
  new Elysia().use(authGuard(verify)).delete(
    "/hangouts/:id",
    async ({ userId, params, set }) => {
      await hangouts.remove(params.id, userId);
      set.status = 204;
    },
    {
      response: {
        204: t.Void({ description: "Deleted, with its members, activities and memories" }),
        401: Problem,
        403: Problem,
        404: Problem,
      },
      detail: {
        tags: ["hangouts"],
        summary: "Delete a hangout and its memories' files (owner only)",
        security: [{ bearer: [] }],
      },
    },
  );
