import { Elysia, t } from "elysia";
import type { NotificationDeps } from "../deps.ts";
import { donePage } from "../templates/pages.ts";
import { htmlResponse } from "./html-response.ts";
import { oneClickResponses, TokenQuery } from "./unsubscribe-docs.ts";

/**
 * RFC 8058 one-click unsubscribe: what a mail client POSTs to the List-Unsubscribe URL (the form
 * body `List-Unsubscribe=One-Click`), and what the page's button sends. The token is the whole
 * authority: no sign-in, so it works from any mail client.
 */
export const unsubscribeRoute = ({ unsubscribe }: NotificationDeps) =>
  new Elysia().post(
    "/notifications/unsubscribe",
    async ({ query }) => {
      const claim = await unsubscribe.apply(query.token);
      const user = claim.recipient.startsWith("user:");
      return htmlResponse(
        donePage({ kind: claim.kind, user }, user ? unsubscribe.preferencesPage : undefined),
      );
    },
    {
      // Elysia's own per-route parser option; the platform's parser honours it (json-body.ts).
      parse: "urlencoded",
      query: TokenQuery,
      body: t.Object(
        {
          "List-Unsubscribe": t.Literal("One-Click", {
            description: "What RFC 8058 has mail clients send",
          }),
        },
        { additionalProperties: false },
      ),
      detail: {
        tags: ["unsubscribe"],
        summary: "One-click unsubscribe (RFC 8058)",
        description:
          "Turns off the kind of email the token names for its recipient (for an address with no account: all email to it). Idempotent.",
        security: [],
        responses: oneClickResponses,
      },
    },
  );
