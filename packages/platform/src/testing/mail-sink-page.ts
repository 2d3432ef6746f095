import { escapeHtml } from "../html.ts";
import type { MailAddress, SunkMessage } from "./mail-sink.ts";

/**
 * The mail sink's pages for people: a list of what arrived and one message at a time. Everything
 * from a message is user input, so every value goes through `escape`, and the HTML part is shown
 * in a frame sandboxed without scripts.
 */

const formatAddress = (address: MailAddress) =>
  address.name ? `${address.name} <${address.address}>` : address.address;

const formatAddresses = (addresses: MailAddress[]) => addresses.map(formatAddress).join(", ");

const STYLE = `
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #222; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #ddd; vertical-align: top; }
  pre { white-space: pre-wrap; background: #f6f6f6; padding: .8rem; }
  iframe { width: 100%; height: 32rem; border: 1px solid #ccc; }
  dt { font-weight: 600; } dd { margin: 0 0 .4rem 0; }
`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>${body}</body>
</html>`;
}

export function renderMessagesPage(messages: SunkMessage[]): string {
  const rows = messages
    .map(
      (message) => `<tr>
  <td><a href="/view/${encodeURIComponent(message.id)}">${escapeHtml(message.subject || "(no subject)")}</a></td>
  <td>${escapeHtml(formatAddress(message.from))}</td>
  <td>${escapeHtml(formatAddresses(message.to))}</td>
  <td><time datetime="${message.receivedAt.toISOString()}">${message.receivedAt.toISOString()}</time></td>
</tr>`,
    )
    .join("\n");
  const list = messages.length
    ? `<table><thead><tr><th>Subject</th><th>From</th><th>To</th><th>Received</th></tr></thead><tbody>${rows}</tbody></table>`
    : "<p>No messages yet.</p>";
  return layout(
    "Mail sink",
    `<h1>Mail sink</h1><p>${messages.length} message(s), newest first. Nothing here was delivered.</p>${list}`,
  );
}

export function renderMessagePage(message: SunkMessage): string {
  const fields: [string, string][] = [
    ["From", formatAddress(message.from)],
    ["To", formatAddresses(message.to)],
    ["Cc", formatAddresses(message.cc)],
    ["Envelope", `${message.envelope.from} → ${message.envelope.to.join(", ")}`],
    ["Received", message.receivedAt.toISOString()],
  ];
  const meta = fields
    .filter(([, value]) => value)
    .map(([name, value]) => `<dt>${name}</dt><dd>${escapeHtml(value)}</dd>`)
    .join("");
  const text = message.text ? `<h2>Text</h2><pre>${escapeHtml(message.text)}</pre>` : "";
  // Escaped as an attribute value: the frame gets the HTML as sent, the page cannot be broken out of.
  const htmlPart = message.html
    ? `<h2>HTML</h2><iframe sandbox="" referrerpolicy="no-referrer" title="HTML part" srcdoc="${escapeHtml(message.html)}"></iframe>`
    : "";
  const headers = Object.entries(message.headers)
    .flatMap(([name, values]) => values.map((value) => `${name}: ${value}`))
    .join("\n");
  return layout(
    message.subject || "(no subject)",
    `<p><a href="/">← all messages</a></p>
<h1>${escapeHtml(message.subject || "(no subject)")}</h1>
<dl>${meta}</dl>${text}${htmlPart}
<h2>Headers</h2><pre>${escapeHtml(headers)}</pre>`,
  );
}
