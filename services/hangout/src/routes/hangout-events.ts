import { authGuard } from "@hangout/platform/auth-guard";
import { Elysia, t } from "elysia";
import type { HangoutDeps } from "../deps.ts";
import { STREAM_DESCRIPTION, streamResponses } from "./live-docs.ts";

export const hangoutEventsRoute = ({ verify, access, live }: HangoutDeps) =>
  new Elysia().use(authGuard(verify)).get(
    "/hangouts/:id/events",
    async ({ userId, tokenExp, params, headers }) => {
      // The same 404 as every route of a hangout the caller is not a member of.
      await access.member(params.id, userId);
      return live.open({
        userId,
        tokenExp,
        hangoutId: params.id,
        lastEventId: headers["last-event-id"],
      });
    },
    {
      headers: t.Object({
        "last-event-id": t.Optional(
          t.String({ description: "The last `id:` received, to resume after it" }),
        ),
      }),
      detail: {
        tags: ["live"],
        summary: "A hangout's changes as they happen (members only)",
        description: STREAM_DESCRIPTION,
        security: [{ bearer: [] }],
        responses: streamResponses("the hangout's changes"),
      },
    },
  );
