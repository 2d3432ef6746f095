import type { PhotoFailure, PhotoRefusedContent } from "../services/delivery-content.ts";
import { compose, type EmailInput, type RenderedEmail } from "./email.ts";
import { quoted } from "./format.ts";
import { button, html } from "./html.ts";

/*
 * Why a photo was refused, in words its uploader understands: never the pipeline's reason code.
 * A reason this version does not know (a newer row) reads as the plain fallback.
 */
const WHY: Record<PhotoFailure, { why: string; next: string }> = {
  infected: {
    why: "a virus scan flagged it, and it was deleted. Nobody in the hangout could open it.",
    next: "If you think the file is safe, check it on your device before sharing it again.",
  },
  too_large: {
    why: "the picture is too big for us to handle, and it was deleted.",
    next: "A smaller version of it (fewer pixels) will go through.",
  },
  undecodable: {
    why: "we could not read it as a picture (the file may be damaged or cut short), and it was deleted.",
    next: "You can try adding it again, or export it again from your device first.",
  },
  timeout: {
    why: "it took too long to prepare for viewing, and it was deleted.",
    next: "You can try adding it again, or a smaller version of it.",
  },
  missing: {
    why: "the file did not reach us completely, so there was nothing to add.",
    next: "You can try adding it again.",
  },
};

const FALLBACK = {
  why: "something went wrong while we prepared it, and it was deleted.",
  next: "You can try adding it again.",
};

const reasonOf = (reason: unknown) =>
  typeof reason === "string" && Object.hasOwn(WHY, reason) ? WHY[reason as PhotoFailure] : FALLBACK;

/** To the member whose photo failed processing: it is not in the hangout, and why. */
export function photoRefusedEmail(input: EmailInput<PhotoRefusedContent>): RenderedEmail {
  const { content, links } = input;
  const title = quoted(content.title);
  const { why, next } = reasonOf(content.reason);
  const line = `Your photo in ${title} was not added: ${why}`;
  return compose(input, `Your photo in ${title} was not added`, {
    text: [line, "", next, "", "See the hangout:", links.action],
    html: html`<p style="margin:0 0 16px">${line}</p>
<p style="margin:0 0 16px">${next}</p>
<p style="margin:0">${button(links.action, "Open the hangout")}</p>`,
  });
}
