import type { MailKind } from "../db/schema.ts";
import type { DeliveryContent } from "../services/delivery-content.ts";
import { formatWhen } from "./format.ts";
import { documentOf, type Html, html } from "./html.ts";

/** Everything an email template needs: the delivery's content and what was looked up for it. */
export interface EmailInput<C extends DeliveryContent = DeliveryContent> {
  kind: MailKind;
  content: C;
  /** A user (by the name auth has for them), or an address with no account (a pending invitation). */
  recipient: { user: true; name: string } | { user: false };
  /** Who did it (invited, confirmed, moved); absent when auth no longer knows them. */
  actorName?: string;
  links: {
    /** The hangout in the web app, or the sign-up page for an address with no account. */
    action: string;
    unsubscribe: string;
    /** The preferences page; absent for an address with no account (nothing to sign in to). */
    preferences?: string;
  };
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/** What each kind is called in "stop emails about …". */
export const KIND_WORDS: Record<MailKind, string> = {
  invitation: "invitations",
  update: "changes to your hangouts",
  reminder: "reminders",
};

/** The details every email shows: when and where. */
export function details(content: DeliveryContent) {
  const when = formatWhen(content.startsAt, content.endsAt);
  const where = content.locationName ?? "No place set yet";
  return {
    text: `When: ${when}\nWhere: ${where}`,
    html: html`<p style="margin:16px 0;padding:12px 16px;background:#f4f5f7;border-radius:6px"><strong>When:</strong> ${when}<br><strong>Where:</strong> ${where}</p>`,
  };
}

export const greeting = ({ recipient }: EmailInput) =>
  recipient.user ? `Hi ${recipient.name},` : "Hello,";

function footer(input: EmailInput) {
  const { unsubscribe, preferences } = input.links;
  const stop = input.recipient.user
    ? `Stop emails about ${KIND_WORDS[input.kind]}`
    : "Don't email this address again";
  const why = input.recipient.user
    ? "You get this email because you are on a hangout in Hangout Planner."
    : "You got this email because someone invited this address to a hangout on Hangout Planner.";
  const text = [
    "--",
    why,
    `${stop}: ${unsubscribe}`,
    ...(preferences ? [`Choose which emails you get: ${preferences}`] : []),
  ].join("\n");
  const markup = html`<p style="margin:0">${why}</p>
<p style="margin:4px 0 0"><a href="${unsubscribe}" style="color:#6b7280">${stop}</a>${preferences ? html` · <a href="${preferences}" style="color:#6b7280">Choose which emails you get</a>` : ""}</p>`;
  return { text, html: markup };
}

/** The text and HTML parts around a template's own lines and markup. */
export function compose(
  input: EmailInput,
  subject: string,
  body: { text: string[]; html: Html },
): RenderedEmail {
  const end = footer(input);
  return {
    subject,
    text: `${[greeting(input), "", ...body.text].join("\n")}\n\n${end.text}\n`,
    html: documentOf(
      subject,
      html`<p style="margin:0 0 16px">${greeting(input)}</p>${body.html}`,
      end.html,
    ),
  };
}
