import type { ReminderContent } from "../services/delivery-content.ts";
import { compose, details, type EmailInput, type RenderedEmail } from "./email.ts";
import { formatShort, quoted } from "./format.ts";
import { button, html } from "./html.ts";

/** Sent ahead of a hangout to its members going or maybe. */
export function reminderEmail(input: EmailInput<ReminderContent>): RenderedEmail {
  const { content, links } = input;
  const title = quoted(content.title);
  const line = `A reminder: ${title} is coming up soon.`;
  const { text, html: detailsHtml } = details(content);
  return compose(input, `Reminder: ${title} starts ${formatShort(content.startsAt)}`, {
    text: [line, "", text, "", "See who's going:", links.action],
    html: html`<p style="margin:0">${line}</p>
${detailsHtml}
<p style="margin:0">${button(links.action, "Open the hangout")}</p>`,
  });
}
