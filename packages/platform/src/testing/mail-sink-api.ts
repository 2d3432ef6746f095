import { AppError, problemResponse } from "../errors.ts";
import type { MailAddress, MailStore, SunkMessage } from "./mail-sink.ts";
import { renderMessagePage, renderMessagesPage } from "./mail-sink-page.ts";

/**
 * The part of Mailpit's read API (https://mailpit.axllent.org/docs/api-v1/) that tests and
 * scripts use, in Mailpit's JSON shapes, so the same client code works against either.
 */

const DEFAULT_LIMIT = 50;

const mailpitAddress = (address: MailAddress) => ({ Name: address.name, Address: address.address });

/** Go's canonical MIME header key, which is how Mailpit spells header names. */
const canonicalHeaderName = (name: string) =>
  name.replace(/[^-]+/g, (part) => part[0]!.toUpperCase() + part.slice(1).toLowerCase());

function snippet(message: SunkMessage): string {
  const text = message.text.replace(/\s+/g, " ").trim();
  return text.length > 250 ? `${text.slice(0, 250)}...` : text;
}

function summary(message: SunkMessage) {
  return {
    ID: message.id,
    MessageID: message.messageId,
    Read: false,
    From: mailpitAddress(message.from),
    To: message.to.map(mailpitAddress),
    Cc: message.cc.map(mailpitAddress),
    Bcc: [],
    ReplyTo: [],
    Subject: message.subject,
    Created: message.receivedAt.toISOString(),
    Tags: [],
    Size: message.size,
    Attachments: 0,
    Snippet: snippet(message),
  };
}

function detail(message: SunkMessage) {
  const { Created, Read, Snippet, Attachments, ...rest } = summary(message);
  return {
    ...rest,
    ReturnPath: message.envelope.from,
    Date: (message.date ?? message.receivedAt).toISOString(),
    Text: message.text,
    HTML: message.html,
    Inline: [],
    Attachments: [],
  };
}

function headers(message: SunkMessage): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(message.headers)) {
    result[canonicalHeaderName(name)] = [...values];
  }
  return result;
}

function nonNegativeInteger(url: URL, name: string, fallback: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === "") return fallback;
  if (!/^\d+$/.test(raw))
    throw new AppError("bad_request", `The ${name} query parameter must be a whole number`);
  return Number(raw);
}

function listMessages(store: MailStore, url: URL) {
  const all = store.newestFirst();
  const start = nonNegativeInteger(url, "start", 0);
  const limit = nonNegativeInteger(url, "limit", DEFAULT_LIMIT);
  const page = all.slice(start, start + limit);
  return {
    total: all.length,
    unread: all.length,
    count: page.length,
    messages_count: all.length,
    start,
    tags: [],
    messages: page.map(summary),
  };
}

/** Mailpit deletes the listed IDs, or everything when the body names none. */
async function deleteMessages(store: MailStore, request: Request): Promise<Response> {
  const body = (await request.text()).trim();
  let ids: unknown;
  if (body) {
    try {
      ids = (JSON.parse(body) as { IDs?: unknown }).IDs;
    } catch {
      throw new AppError("bad_request", 'The body must be JSON like {"IDs": ["..."]}');
    }
  }
  if (ids !== undefined && !(Array.isArray(ids) && ids.every((id) => typeof id === "string")))
    throw new AppError("bad_request", "IDs must be a list of message IDs");
  if (Array.isArray(ids) && ids.length > 0) store.remove(ids);
  else store.clear();
  return new Response("ok", { headers: { "content-type": "text/plain; charset=utf-8" } });
}

function findMessage(store: MailStore, encodedId: string): SunkMessage {
  let id: string;
  try {
    id = decodeURIComponent(encodedId);
  } catch {
    throw new AppError("not_found", "There is no message with that ID");
  }
  const message = id === "latest" ? store.newestFirst()[0] : store.get(id);
  if (!message) throw new AppError("not_found", `There is no message with ID ${id}`);
  return message;
}

function requireMethod(request: Request, allowed: string[]): void {
  const method = request.method === "HEAD" ? "GET" : request.method;
  if (!allowed.includes(method))
    throw new AppError("method_not_allowed", `${request.method} is not allowed here`, {
      allow: allowed,
    });
}

const html = (body: string) =>
  new Response(body, {
    headers: {
      "content-type": "text/html; charset=utf-8",
      // Message HTML is shown in a sandboxed frame; nothing on these pages may run or load.
      "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
      "x-content-type-options": "nosniff",
    },
  });

async function route(store: MailStore, request: Request, url: URL): Promise<Response> {
  const path = url.pathname.replace(/\/+$/, "") || "/";
  if (path === "/") {
    requireMethod(request, ["GET"]);
    return html(renderMessagesPage(store.newestFirst()));
  }
  if (path === "/api/v1/messages") {
    requireMethod(request, ["GET", "DELETE"]);
    if (request.method === "DELETE") return deleteMessages(store, request);
    return Response.json(listMessages(store, url));
  }
  const view = /^\/view\/([^/]+)$/.exec(path);
  if (view) {
    requireMethod(request, ["GET"]);
    return html(renderMessagePage(findMessage(store, view[1]!)));
  }
  const message = /^\/api\/v1\/message\/([^/]+)(\/headers)?$/.exec(path);
  if (message) {
    requireMethod(request, ["GET"]);
    const found = findMessage(store, message[1]!);
    return Response.json(message[2] ? headers(found) : detail(found));
  }
  throw new AppError(
    "not_found",
    `Nothing at ${path}; the mail sink serves / and /api/v1/messages`,
  );
}

export async function mailSinkFetch(store: MailStore, request: Request): Promise<Response> {
  const url = new URL(request.url);
  try {
    return await route(store, request, url);
  } catch (error) {
    if (!(error instanceof AppError)) console.error("mail sink: request failed", error);
    return problemResponse(error, url.pathname);
  }
}
