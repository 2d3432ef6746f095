import type { Logger } from "@hangout/platform/logger";
import { Counter, Gauge, Histogram, type HttpMetrics } from "@hangout/platform/metrics";
import { type MailKind, mailKinds } from "../db/schema.ts";

type Registry = HttpMetrics["registry"];

export type EmailOutcome = "sent" | "skipped" | "failed";
export type SendResult = "accepted" | "refused" | "unreachable";

export interface MailerMetrics {
  finished(kind: string, outcome: EmailOutcome): void;
  sendTook(result: SendResult, seconds: number): void;
}

type Backlog = { kind: MailKind; count: number; oldest: Date | null }[];

/**
 * The mailer's Prometheus metrics. The pending count and the age of the oldest pending delivery
 * are read from the table when Prometheus scrapes (one query for both), so they keep growing
 * while nothing can be sent. Every replica reports the same table: aggregate with max().
 */
export function createMailerMetrics(options: {
  registry: Registry;
  readBacklog: () => Promise<Backlog>;
  clock: () => Date;
  logger: Logger;
}): MailerMetrics {
  const { registry, readBacklog, clock, logger } = options;
  let reading: Promise<Backlog | undefined> | undefined;
  const read = () => {
    reading ??= readBacklog()
      .catch((error: unknown) => {
        // The gauges keep their last values; the database's own check reports the outage.
        logger.debug({ err: error }, "could not read the deliveries backlog");
        return undefined;
      })
      .finally(() => {
        reading = undefined;
      });
    return reading;
  };
  new Gauge({
    name: "notification_deliveries_pending",
    help: "Emails waiting to be sent, due now or retrying later, by kind",
    labelNames: ["kind"] as const,
    registers: [registry],
    async collect() {
      const backlog = await read();
      if (!backlog) return;
      for (const kind of mailKinds) {
        this.set({ kind }, backlog.find((row) => row.kind === kind)?.count ?? 0);
      }
    },
  });
  new Gauge({
    name: "notification_deliveries_oldest_pending_seconds",
    help: "How long the oldest email waiting to be sent has waited; 0 when none waits",
    registers: [registry],
    async collect() {
      const backlog = await read();
      if (!backlog) return;
      const times = backlog.flatMap((row) => (row.oldest ? [row.oldest.getTime()] : []));
      const age = times.length > 0 ? (clock().getTime() - Math.min(...times)) / 1000 : 0;
      this.set(Math.max(0, age));
    },
  });
  const emails = new Counter({
    name: "notification_emails_total",
    help: "Emails done with, by kind and outcome: sent, skipped (turned off, recipient gone) or failed (given up)",
    labelNames: ["kind", "outcome"] as const,
    registers: [registry],
  });
  const sendSeconds = new Histogram({
    name: "notification_email_send_seconds",
    help: "Time to hand one email to the SMTP server, by result: accepted, refused, unreachable",
    labelNames: ["result"] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  return {
    finished: (kind, outcome) => emails.inc({ kind, outcome }),
    sendTook: (result, seconds) => sendSeconds.observe({ result }, seconds),
  };
}
