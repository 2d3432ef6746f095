import type { AddressInfo } from "node:net";
import { type AddressObject, type EmailAddress, type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from "smtp-server";
import { mailSinkFetch } from "./mail-sink-api.ts";

export interface MailAddress {
  name: string;
  address: string;
}

export interface SunkMessage {
  id: string;
  from: MailAddress;
  to: MailAddress[];
  cc: MailAddress[];
  subject: string;
  text: string;
  html: string;
  /** Lower-case header names; values unfolded but not decoded, in the order they were sent. */
  headers: Record<string, string[]>;
  /** The Date header, when there is one. */
  date?: Date;
  messageId: string;
  /** Bytes of the DATA as received. */
  size: number;
  receivedAt: Date;
  envelope: { from: string; to: string[] };
}

export interface MailSink {
  smtpPort: number;
  /** smtp://127.0.0.1:<port> */
  smtpUrl: string;
  httpPort: number;
  /** http://127.0.0.1:<port>, Mailpit's read API (`/api/v1/...`) and a page at `/`. */
  apiUrl: string;
  /** Newest first. */
  messages(): SunkMessage[];
  /** The first message, oldest first, that matches; already received ones count. */
  waitFor(
    predicate: (message: SunkMessage) => boolean,
    options?: { timeoutMs?: number },
  ): Promise<SunkMessage>;
  clear(): void;
  /** The next `count` messages are refused with a transient 451 (fault tests). */
  refuseNext(count: number): void;
  /** Called for every accepted message (bench measures acceptance time). Returns an unsubscribe. */
  onMessage(listener: (message: SunkMessage) => void): () => void;
  stop(): Promise<void>;
}

export interface MailSinkOptions {
  /** 0 (the default) picks a free port. */
  smtpPort?: number;
  /** 0 (the default) picks a free port. */
  httpPort?: number;
  /** Defaults to 127.0.0.1. */
  hostname?: string;
  /** How many messages are kept; the oldest are dropped beyond it. Defaults to 1000. */
  keep?: number;
}

const MAX_MESSAGE_BYTES = 25 * 1024 * 1024;
const DEFAULT_WAIT_MS = 10_000;

/** The messages held in memory, oldest first, and who wants to hear about new ones. */
export class MailStore {
  private readonly held: SunkMessage[] = [];
  private readonly listeners = new Set<(message: SunkMessage) => void>();

  constructor(private readonly keep: number) {}

  add(message: SunkMessage): void {
    this.held.push(message);
    if (this.held.length > this.keep) this.held.splice(0, this.held.length - this.keep);
    for (const listener of [...this.listeners]) {
      // The message is already stored and will be acknowledged; a failing observer must not
      // turn that into an SMTP error or stop the others from hearing about it.
      try {
        listener(message);
      } catch (error) {
        console.error("mail sink: a message listener threw", error);
      }
    }
  }

  newestFirst(): SunkMessage[] {
    return this.held.toReversed();
  }

  get(id: string): SunkMessage | undefined {
    return this.held.find((message) => message.id === id);
  }

  clear(): void {
    this.held.length = 0;
  }

  /** Removes the messages with these ids; unknown ids are ignored. */
  remove(ids: readonly string[]): void {
    const doomed = new Set(ids);
    const kept = this.held.filter((message) => !doomed.has(message.id));
    this.held.splice(0, this.held.length, ...kept);
  }

  listen(listener: (message: SunkMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

function addresses(field: AddressObject | AddressObject[] | undefined): MailAddress[] {
  const flatten = (list: EmailAddress[]): MailAddress[] =>
    list.flatMap((entry) =>
      entry.group
        ? flatten(entry.group)
        : [{ name: entry.name ?? "", address: entry.address ?? "" }],
    );
  if (!field) return [];
  return (Array.isArray(field) ? field : [field]).flatMap((object) => flatten(object.value));
}

/** Raw header lines, unfolded, keyed by lower-case name: what Mailpit's headers endpoint shows. */
function headerMap(parsed: ParsedMail): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  for (const { key, line } of parsed.headerLines) {
    const colon = line.indexOf(":");
    const value = line
      .slice(colon + 1)
      .replace(/\r?\n(?=[ \t])/g, "")
      .trim();
    const name = key.toLowerCase();
    headers[name] ??= [];
    headers[name].push(value);
  }
  return headers;
}

function toSunk(
  parsed: ParsedMail,
  session: SMTPServerSession,
  size: number,
  receivedAt: Date,
): SunkMessage {
  const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : "";
  return {
    id: crypto.randomUUID(),
    from: addresses(parsed.from)[0] ?? { name: "", address: envelopeFrom },
    to: addresses(parsed.to),
    cc: addresses(parsed.cc),
    subject: parsed.subject ?? "",
    text: parsed.text ?? "",
    html: typeof parsed.html === "string" ? parsed.html : "",
    headers: headerMap(parsed),
    date: parsed.date,
    messageId: parsed.messageId ?? "",
    size,
    receivedAt,
    envelope: {
      from: envelopeFrom,
      to: session.envelope.rcptTo.map((recipient) => recipient.address),
    },
  };
}

const smtpError = (message: string, responseCode: number) =>
  Object.assign(new Error(message), { responseCode });

function describeSeen(messages: SunkMessage[]): string {
  if (messages.length === 0) return "no message arrived";
  const lines = messages
    .slice(0, 20)
    .map(
      (message) =>
        `  - "${message.subject}" to ${message.envelope.to.join(", ") || "(no recipient)"}`,
    );
  const more = messages.length > 20 ? `\n  … and ${messages.length - 20} older` : "";
  return `messages seen, newest first:\n${lines.join("\n")}${more}`;
}

/**
 * An SMTP server that keeps what it is sent in memory, with Mailpit's read API next to it, for
 * `npm run dev` and tests. No authentication is required (any credentials are accepted, so an
 * app configured for a real relay still works) and there is no TLS. A message is stored, and
 * listeners hear of it, only once its whole DATA was parsed; the 250 follows the storing.
 */
export async function startMailSink(options: MailSinkOptions = {}): Promise<MailSink> {
  const hostname = options.hostname ?? "127.0.0.1";
  const store = new MailStore(Math.max(1, options.keep ?? 1000));
  let refusals = 0;

  const smtp = new SMTPServer({
    name: "mail-sink",
    banner: "mail sink: messages are kept in memory, never delivered",
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ["STARTTLS"],
    size: MAX_MESSAGE_BYTES,
    logger: false,
    // Reverse DNS of the loopback client only slows every session down.
    disableReverseLookup: true,
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username ?? "anonymous" });
    },
    onData(stream: SMTPServerDataStream, session, callback) {
      const receivedAt = new Date();
      simpleParser(stream).then(
        (parsed) => {
          // The server answers 552 itself for an oversized message; it must not be kept either.
          if (stream.sizeExceeded) return callback(smtpError("Message too big", 552));
          if (refusals > 0) {
            refusals--;
            return callback(
              smtpError("Try again later (refused on purpose by the mail sink)", 451),
            );
          }
          const message = toSunk(parsed, session, stream.byteLength, receivedAt);
          store.add(message);
          callback(null, `Queued as ${message.id}`);
        },
        (error: Error) => {
          // Drain whatever the parser left so the session can go on to the next command.
          stream.resume();
          callback(smtpError(`Could not parse the message: ${error.message}`, 451));
        },
      );
    },
  });
  smtp.on("error", (error) => console.error("mail sink: SMTP error", error));

  await new Promise<void>((resolve, reject) => {
    smtp.server.once("error", reject);
    smtp.listen(options.smtpPort ?? 0, hostname, () => {
      smtp.server.off("error", reject);
      resolve();
    });
  });
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  let http: ReturnType<typeof Bun.serve>;
  try {
    http = Bun.serve({
      hostname,
      port: options.httpPort ?? 0,
      fetch: (request) => mailSinkFetch(store, request),
    });
  } catch (error) {
    await new Promise<void>((resolve) => smtp.close(resolve));
    throw error;
  }
  const httpPort = http.port as number;

  const urlHost = hostname.includes(":") ? `[${hostname}]` : hostname;
  let stopping: Promise<void> | undefined;
  return {
    smtpPort,
    smtpUrl: `smtp://${urlHost}:${smtpPort}`,
    httpPort,
    apiUrl: `http://${urlHost}:${httpPort}`,
    messages: () => store.newestFirst(),
    clear: () => store.clear(),
    refuseNext(count) {
      refusals = Math.max(0, Math.floor(count));
    },
    onMessage: (listener) => store.listen(listener),
    waitFor(predicate, { timeoutMs = DEFAULT_WAIT_MS } = {}) {
      const already = store.newestFirst().toReversed().find(predicate);
      if (already) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          unsubscribe();
          reject(
            new Error(
              `No matching email arrived at the mail sink within ${timeoutMs} ms; ${describeSeen(store.newestFirst())}`,
            ),
          );
        }, timeoutMs);
        const unsubscribe = store.listen((message) => {
          if (!predicate(message)) return;
          clearTimeout(timer);
          unsubscribe();
          resolve(message);
        });
      });
    },
    /** Idempotent. Open SMTP sessions (pooled clients) are told 421 and closed at once. */
    stop() {
      stopping ??= (async () => {
        const closed = new Promise<void>((resolve) => smtp.close(resolve));
        for (const connection of smtp.connections) {
          connection.send(421, "Mail sink shutting down");
          connection.close();
        }
        await Promise.all([closed, http.stop(true)]);
      })();
      return stopping;
    },
  };
}
