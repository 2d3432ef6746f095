import type { ReadinessCheck } from "@hangout/platform/health";
import { createTransport } from "nodemailer";
import type { NotificationConfig } from "../config.ts";

/** One email as the mailer hands it over; From is MAIL_FROM. */
export interface OutgoingMail {
  /** A user as "Name <address>", an address with no account bare. */
  to: { name: string; address: string } | string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
}

/** Why an email was not accepted, in words that name no address (it goes to the sent log). */
export class SmtpFailure extends Error {
  constructor(
    readonly reason: string,
    /** The server refused it for good (5xx): trying again would not help. */
    readonly permanent: boolean,
    /** The server could not be reached or talked to at all: the next email would fail too. */
    readonly unreachable: boolean,
  ) {
    super(reason);
    this.name = "SmtpFailure";
  }
}

export interface MailTransport {
  /** Resolves to the Message-ID once the SMTP server accepted the email; SmtpFailure otherwise. */
  send(mail: OutgoingMail): Promise<string>;
  /** Non-critical: emails wait in the database while the server is away. */
  readiness: ReadinessCheck;
  close(): void;
}

/** How long a readiness answer is reused: /readyz must not cost an SMTP handshake each time. */
const READINESS_TTL_MS = 30_000;

function failureOf(error: unknown): SmtpFailure {
  const { responseCode, code } = (error ?? {}) as { responseCode?: unknown; code?: unknown };
  const name = typeof code === "string" ? code : "error";
  if (typeof responseCode === "number") {
    return new SmtpFailure(`SMTP ${responseCode} (${name})`, responseCode >= 500, false);
  }
  return new SmtpFailure(`SMTP server unreachable (${name})`, false, true);
}

/**
 * nodemailer over SMTP_URL with its connection pool, one connection per mailer worker: a new
 * connection costs the server's greeting (smtp-server waits 100 ms before it), which would bound
 * every worker to a few emails a second. The pool replaces connections the server closed.
 * Timeouts bound every step, since the mailer holds its claimed row while it sends.
 */
export function createSmtpTransport(config: NotificationConfig): MailTransport {
  const transport = createTransport(
    {
      url: config.SMTP_URL,
      pool: true,
      maxConnections: config.MAIL_CONCURRENCY,
      // nodemailer's pool otherwise drops a connection after 100 messages, and each new one
      // waits for the greeting: at a steady rate that is a stall every few seconds per lane.
      maxMessages: Number.POSITIVE_INFINITY,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    },
    { from: config.MAIL_FROM },
  );

  let last: { at: number; failure?: SmtpFailure } | undefined;
  let verifying: Promise<void> | undefined;
  const remember = (failure?: SmtpFailure) => {
    last = { at: Date.now(), failure };
  };

  return {
    async send(mail) {
      try {
        const info = await transport.sendMail(mail);
        remember();
        return info.messageId;
      } catch (error) {
        const failure = failureOf(error);
        // A refused message says nothing about the server; an unreachable one does.
        if (failure.unreachable) remember(failure);
        else remember();
        throw failure;
      }
    },
    readiness: {
      name: "smtp",
      critical: false,
      async check() {
        if (!last || Date.now() - last.at > READINESS_TTL_MS) {
          verifying ??= transport
            .verify()
            .then(
              () => remember(),
              (error: unknown) => remember(failureOf(error)),
            )
            .finally(() => {
              verifying = undefined;
            });
          await verifying;
        }
        if (last?.failure) throw last.failure;
      },
    },
    close: () => transport.close(),
  };
}
