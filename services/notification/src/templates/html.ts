/*
 * The HTML around every email and page. Everything a person typed (a title, a place, a name) goes
 * through `escapeHtml` before it is put in: a title is user input, and mail clients render HTML.
 */

import { escapeHtml } from "@hangout/platform/html";

/**
 * A piece of HTML: made only by `html` (which escapes every interpolated string) or by
 * `trusted` for markup this code wrote, so nothing reaches an email unescaped by accident.
 */
export class Html {
  constructor(readonly markup: string) {}
  toString() {
    return this.markup;
  }
}

type Part = Html | string | number | null | undefined | readonly (Html | string)[];

const render = (part: Part): string => {
  if (part === null || part === undefined) return "";
  if (part instanceof Html) return part.markup;
  if (Array.isArray(part)) return part.map(render).join("");
  return escapeHtml(String(part));
};

/** Template literal tag: strings are escaped, `Html` values are kept as they are. */
export function html(strings: TemplateStringsArray, ...parts: Part[]): Html {
  let out = strings[0] ?? "";
  for (let i = 0; i < parts.length; i++) out += render(parts[i]) + (strings[i + 1] ?? "");
  return new Html(out);
}

const FONT = "font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";

/** A link styled as a button. */
export const button = (href: string, label: string) =>
  html`<a href="${href}" style="display:inline-block;padding:10px 18px;background:#2f6fed;color:#ffffff;text-decoration:none;border-radius:6px;font-weight:600">${label}</a>`;

/** A whole HTML document: the email's body part, or a page this service serves. */
export function documentOf(title: string, body: Html, footer?: Html): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="icon" href="data:,">
</head>
<body style="margin:0;padding:24px;background:#f4f5f7;${FONT};color:#1f2328;line-height:1.5">
<div style="max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px;padding:24px">
${body}
</div>
${footer ? html`<div style="max-width:560px;margin:16px auto 0;font-size:12px;color:#6b7280">${footer}</div>` : ""}
</body>
</html>
`.markup;
}
