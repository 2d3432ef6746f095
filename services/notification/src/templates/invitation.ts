import type { InvitationContent } from "../services/delivery-content.ts";
import { compose, details, type EmailInput, type RenderedEmail } from "./email.ts";
import { oneLine, quoted } from "./format.ts";
import { button, html } from "./html.ts";

/**
 * "Ann invited you to "Picnic"": to an existing user (links to the hangout) or to an address with
 * no account (links to sign-up, which takes the invitation up).
 */
export function invitationEmail(input: EmailInput<InvitationContent>): RenderedEmail {
  const { content, actorName, links } = input;
  const title = quoted(content.title);
  const who = oneLine(actorName ?? "") || "Someone";
  const subject = `${who} invited you to ${title}`;
  const signUp = !input.recipient.user;
  const ask = signUp
    ? "Create your Hangout Planner account with this address to see it and answer:"
    : "Let them know if you're going:";
  const label = signUp ? "Sign up and answer" : "Open the hangout";
  const { text, html: detailsHtml } = details(content);
  return compose(input, subject, {
    text: [`${who} invited you to ${title}.`, "", text, "", ask, links.action],
    html: html`<p style="margin:0">${who} invited you to <strong>${title}</strong>.</p>
${detailsHtml}
<p style="margin:0 0 16px">${ask}</p>
<p style="margin:0">${button(links.action, label)}</p>`,
  });
}
