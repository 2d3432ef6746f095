import { authGuard } from "@hangout/platform/auth-guard";
import { Elysia, t } from "elysia";
import type { HangoutDeps } from "../deps.ts";
import { STREAM_DESCRIPTION, streamResponses } from "./live-docs.ts";

export const myEventsRoute = ({ verify, live }: HangoutDeps) =>
  new Elysia()
    .use(authGuard(verify))
    .get(
      "/me/events",
      ({ userId, tokenExp, headers }) =>
        live.open({ userId, tokenExp, lastEventId: headers["last-event-id"] }),
      {
        headers: t.Object({
          "last-event-id": t.Optional(
            t.String({ description: "The last `id:` received, to resume after it" }),
          ),
        }),
        detail: {
          tags: ["live"],
          summary: "The changes of every hangout the caller is a member of, as they happen",
          description: `${STREAM_DESCRIPTION}\n\nIncludes the caller's own invitations ("you were invited") and removals; nothing of a hangout after they left it.`,
          security: [{ bearer: [] }],
          responses: streamResponses("the changes of the caller's hangouts"),
        },
      },
    );
