import { authGuard } from "@hangout/platform/auth-guard";
import { Problem } from "@hangout/platform/http-schemas";
import { Elysia, t } from "elysia";
import type { HangoutDeps } from "../deps.ts";

export const removeMemberRoute = ({ verify, members }: HangoutDeps) =>
  new Elysia().use(authGuard(verify)).delete(
    "/hangouts/:id/members/:userId",
    async ({ userId, params, set }) => {
      await members.remove(params.id, userId, params.userId);
      set.status = 204;
    },
    {
      response: {
        204: t.Void({ description: "No longer a member" }),
        401: Problem,
        403: Problem,
        404: Problem,
        409: Problem,
      },
      detail: {
        tags: ["members"],
        summary: "Leave a hangout (a member, as themselves) or remove a member (the owner)",
        description:
          "The owner cannot leave (409): delete the hangout instead. Removing someone who is not a member is 404.",
        security: [{ bearer: [] }],
      },
    },
  );
