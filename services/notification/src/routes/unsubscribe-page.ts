import { Elysia, t } from "elysia";
import type { NotificationDeps } from "../deps.ts";
import { confirmPage, invalidLinkPage } from "../templates/pages.ts";
import { htmlResponse, wantsHtml } from "./html-response.ts";
import { pageResponses, TOKEN_DESCRIPTION } from "./unsubscribe-docs.ts";

/**
 * The page an unsubscribe link opens in a browser. It changes nothing: link scanners and
 * previews fetch links in emails, so only the page's button (a POST) unsubscribes.
 */
export const unsubscribePageRoute = ({ unsubscribe }: NotificationDeps) =>
  new Elysia().get(
    "/notifications/unsubscribe",
    ({ query, request }) => {
      const claim = query.token ? unsubscribe.check(query.token) : undefined;
      if (!claim) {
        // A person sees a page; any other client the same 400 problem as the POST's.
        if (wantsHtml(request)) return htmlResponse(invalidLinkPage(), 400);
        throw unsubscribe.invalid();
      }
      const action = new URL(request.url);
      return htmlResponse(
        confirmPage(
          { kind: claim.kind, user: claim.recipient.startsWith("user:") },
          `${action.pathname}${action.search}`,
        ),
      );
    },
    {
      // Optional here: a link cut before its token still gets the page that says so.
      query: t.Object({ token: t.Optional(t.String({ description: TOKEN_DESCRIPTION })) }),
      detail: {
        tags: ["unsubscribe"],
        summary: "The page of an email's unsubscribe link (changes nothing)",
        description:
          "Shows what the link turns off and a button that POSTs the one-click form to the same URL. Viewing it never unsubscribes: mail scanners fetch links.",
        // The token is the authority: no sign-in, so it works from any mail client.
        security: [],
        responses: pageResponses,
      },
    },
  );
