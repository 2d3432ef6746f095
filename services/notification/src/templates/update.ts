import type { UpdateChange, UpdateContent } from "../services/delivery-content.ts";
import { compose, details, type EmailInput, type RenderedEmail } from "./email.ts";
import { oneLine, quoted } from "./format.ts";
import { button, html } from "./html.ts";

/** The subject for what happened, e.g. `"Picnic" is confirmed`. */
function subjectOf(title: string, changes: readonly UpdateChange[]): string {
  if (changes.includes("cancelled")) return `${title} is cancelled`;
  if (changes.includes("confirmed")) return `${title} is confirmed`;
  const time = changes.includes("rescheduled");
  const place = changes.includes("moved");
  if (time && place) return `${title} has a new time and place`;
  if (place) return `${title} has a new place`;
  return `${title} has a new time`;
}

function headline(who: string, title: string, changes: readonly UpdateChange[]): string {
  if (changes.includes("cancelled")) return `${who} cancelled ${title}. It won't take place.`;
  if (changes.includes("confirmed")) return `${who} confirmed ${title}: it's happening.`;
  const time = changes.includes("rescheduled");
  const place = changes.includes("moved");
  if (time && place) return `${who} changed when and where ${title} takes place.`;
  if (place) return `${who} moved ${title} to a new place.`;
  return `${who} moved ${title} to a new time.`;
}

/** A hangout the recipient is going to (or may) was confirmed, cancelled, rescheduled or moved. */
export function updateEmail(input: EmailInput<UpdateContent>): RenderedEmail {
  const { content, links } = input;
  const title = quoted(content.title);
  const changes = content.changes?.length ? content.changes : [content.change];
  const line = headline(oneLine(input.actorName ?? "") || "The organiser", title, changes);
  const { text, html: detailsHtml } = details(content);
  return compose(input, subjectOf(title, changes), {
    text: [line, "", text, "", "See the hangout:", links.action],
    html: html`<p style="margin:0">${line}</p>
${detailsHtml}
<p style="margin:0">${button(links.action, "Open the hangout")}</p>`,
  });
}
