import type { MailKind } from "../db/schema.ts";
import { KIND_WORDS } from "./email.ts";
import { documentOf, html } from "./html.ts";

/*
 * The pages a person sees after following an unsubscribe link in a browser. Viewing the link
 * changes nothing (link scanners and previews fetch it); the button on it does.
 */

/** Who the link speaks for, as the pages word it. */
export interface PageSubject {
  kind: MailKind;
  /** A user's link turns off one kind; an address's stops all mail to it. */
  user: boolean;
}

const what = ({ kind, user }: PageSubject) =>
  user ? `emails about ${KIND_WORDS[kind]}` : "all emails from Hangout Planner to this address";

/** The confirmation page: a form that POSTs the one-click body to `action`. */
export function confirmPage(subject: PageSubject, action: string): string {
  return documentOf(
    "Unsubscribe",
    html`<h1 style="font-size:20px;margin:0 0 12px">Unsubscribe?</h1>
<p style="margin:0 0 16px">Stop ${what(subject)}.</p>
<form method="post" action="${action}" style="margin:0">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit" style="padding:10px 18px;background:#2f6fed;color:#ffffff;border:0;border-radius:6px;font-weight:600;font-size:15px;cursor:pointer">Unsubscribe</button>
</form>`,
  );
}

/** After the button (or a mail client's one-click request). */
export function donePage(subject: PageSubject, preferences: string | undefined): string {
  return documentOf(
    "Unsubscribed",
    html`<h1 style="font-size:20px;margin:0 0 12px">You're unsubscribed</h1>
<p style="margin:0">You won't get ${what(subject)} any more.</p>
${preferences ? html`<p style="margin:16px 0 0">Changed your mind? <a href="${preferences}">Choose which emails you get</a>.</p>` : ""}`,
  );
}

/** A link that is not one this service made, or that lost part of itself on the way. */
export function invalidLinkPage(): string {
  return documentOf(
    "Link not valid",
    html`<h1 style="font-size:20px;margin:0 0 12px">This unsubscribe link doesn't work</h1>
<p style="margin:0">It may have been cut short: some email apps break long links. Try the link in the email again, or copy all of it into your browser. Nothing was changed.</p>`,
  );
}
