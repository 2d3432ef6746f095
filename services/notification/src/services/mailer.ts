import type { HotSql } from "@hangout/platform/hot-sql";
import type { Logger } from "@hangout/platform/logger";
import { inTraceOf } from "@hangout/platform/outbox/trace-context";
import { SpanKind, withSpan } from "@hangout/platform/telemetry";
import type { Pool } from "mysql2/promise";
import type { NotificationDatabase } from "../db/index.ts";
import {
  claimDue,
  type Delivery,
  markFailed,
  markSent,
  markSkipped,
  release,
  scheduleRetry,
} from "../repositories/deliveries.ts";
import { choicesAtSend, type SendChoices, turnedOff } from "../repositories/preferences.ts";
import { type MailTransport, type OutgoingMail, SmtpFailure } from "../repositories/smtp.ts";
import type { DirectoryUser, UserDirectory } from "../repositories/users.ts";
import { actorOf, type EmailComposer } from "./compose-email.ts";
import type { EmailOutcome, MailerMetrics, SendResult } from "./mailer-metrics.ts";

export interface MailerOptions {
  db: NotificationDatabase;
  /** The pool under `db`: the claim runs its transaction on it (repositories/deliveries.ts). */
  pool: Pool;
  /** The same database on Bun's client, for the hot statement of every sent email. */
  hot: HotSql;
  users: UserDirectory;
  transport: MailTransport;
  compose: EmailComposer;
  clock: () => Date;
  logger: Logger;
  metrics?: MailerMetrics;
  /** The wait between rounds when nothing woke the mailer (MAIL_POLL_INTERVAL_MS). */
  pollIntervalMs: number;
  /** SMTP attempts of one email before it is given up (MAIL_MAX_ATTEMPTS). */
  maxAttempts: number;
  /** Deliveries claimed at once; their recipients are looked up in one call. */
  batchSize?: number;
  /**
   * How long a claim holds its rows (MAIL_CLAIM_SECONDS): rows of a mailer that died are sent
   * by another after it.
   */
  leaseMs: number;
  /** Emails of a batch sent at once (MAIL_CONCURRENCY). */
  concurrency?: number;
}

export interface RoundResult {
  claimed: number;
  sent: number;
  skipped: number;
  failed: number;
  /** Attempts that failed and will be tried again later. */
  retrying: number;
}

export interface Mailer {
  /** Starts the loop: rounds until nothing is due, then one per poll interval or wake-up. */
  start(): void;
  /** Stops the loop once the emails being sent are done (the rest of the batch is given back). */
  stop(): Promise<void>;
  /** Something was queued: look now rather than at the next poll. */
  wake(): void;
  /** One round: claim due deliveries, send them, record each as it goes. */
  runOnce(): Promise<RoundResult>;
}

/** Wait before attempt n+1 after n failed ones: 1, 2, 4, … minutes, at most an hour. */
export const retryDelayMs = (failedAttempts: number) =>
  Math.min(60_000 * 2 ** Math.min(failedAttempts - 1, 10), 3_600_000);

/** Back-off of the loop itself while it cannot work at all (auth or SMTP server unreachable). */
const LOOP_RETRY = { initial: 500, max: 30_000 };

/**
 * Sends the queued emails: claims due deliveries (FOR UPDATE SKIP LOCKED, so any number of
 * replicas run it at once), looks their people up in auth, checks each recipient's preferences
 * as of now, and marks each one sent right after the SMTP server accepted it. An email is sent
 * twice only when the process dies between that acceptance and that statement.
 */
export function createMailer(options: MailerOptions): Mailer {
  const { db, pool, hot, users, transport, compose, clock, logger, metrics } = options;
  const batchSize = options.batchSize ?? 25;
  const { leaseMs } = options;
  const concurrency = options.concurrency ?? 1;
  let stopped = false;

  async function send(delivery: Delivery, mail: OutgoingMail): Promise<string> {
    const attributes = {
      "notification.delivery_id": delivery.id,
      "notification.kind": delivery.kind,
      "notification.attempt": delivery.attempts + 1,
    };
    const started = performance.now();
    let result: SendResult = "accepted";
    try {
      // The span joins the trace of the request that led to this email.
      return await inTraceOf(delivery.traceparent, () =>
        withSpan("smtp send", attributes, () => transport.send(mail), SpanKind.CLIENT),
      );
    } catch (error) {
      result = error instanceof SmtpFailure && error.unreachable ? "unreachable" : "refused";
      throw error;
    } finally {
      metrics?.sendTook(result, (performance.now() - started) / 1000);
    }
  }

  /** Sends one claimed delivery and records the outcome; returns it, or "retrying". */
  async function deliver(
    delivery: Delivery,
    mail: OutgoingMail,
  ): Promise<EmailOutcome | "retrying"> {
    try {
      const messageId = await send(delivery, mail);
      // Committed on its own right after the server's 250: the duplicate window is this one
      // statement (docs/decisions/0016-email-deliveries.md).
      await markSent(hot, delivery, clock(), messageId);
      return "sent";
    } catch (error) {
      if (!(error instanceof SmtpFailure)) throw error;
      const failed = delivery.attempts + 1;
      const log = { deliveryId: delivery.id, kind: delivery.kind, attempts: failed };
      if (error.permanent || failed >= options.maxAttempts) {
        await markFailed(db, delivery, clock(), error.reason);
        logger.warn({ ...log, reason: error.reason }, "email given up");
        if (error.unreachable) throw error;
        return "failed";
      }
      await scheduleRetry(
        db,
        delivery,
        new Date(clock().getTime() + retryDelayMs(failed)),
        error.reason,
      );
      // An unreachable server fails every other email too: the round ends here.
      if (error.unreachable) throw error;
      logger.info({ ...log, reason: error.reason }, "email refused for now; trying again later");
      return "retrying";
    }
  }

  function composeOrFail(delivery: Delivery, people: Map<string, DirectoryUser>) {
    try {
      return compose(delivery, people);
    } catch (error) {
      logger.error({ err: error, deliveryId: delivery.id }, "email could not be rendered");
      return undefined;
    }
  }

  /** One email of a claimed batch: skipped, given up, sent, or left for a retry. */
  async function handle(
    delivery: Delivery,
    people: Map<string, DirectoryUser>,
    choices: SendChoices,
  ): Promise<EmailOutcome | "retrying"> {
    const off = turnedOff(delivery, choices);
    if (off) {
      await markSkipped(db, delivery.id, clock(), off);
      return "skipped";
    }
    const mail = composeOrFail(delivery, people);
    if (!mail) {
      // Rendering it will not work next time either: given up rather than block the queue.
      await markFailed(db, delivery, clock(), "the email could not be rendered");
      return "failed";
    }
    if ("skip" in mail) {
      await markSkipped(db, delivery.id, clock(), mail.skip);
      return "skipped";
    }
    return deliver(delivery, mail);
  }

  async function runOnce(): Promise<RoundResult> {
    const started = clock();
    const batch = await claimDue(pool, started, batchSize, leaseMs);
    const result = { claimed: batch.length, sent: 0, skipped: 0, failed: 0, retrying: 0 };
    if (batch.length === 0) return result;
    // Ids whose outcome is recorded; the others go back to the queue when the round ends.
    const recorded = new Set<string>();
    try {
      const ids = batch.flatMap((d) => [d.userId, actorOf(d)]).filter((id): id is string => !!id);
      const people = ids.length > 0 ? await users.byIds(ids) : new Map();
      // Read now, when the batch is sent, not when its emails were queued.
      const choices = await choicesAtSend(
        db,
        batch.flatMap((d) => (d.userId ? [d.userId] : [])),
        batch.flatMap((d) => (d.email ? [d.email] : [])),
      );
      // No send starts in the claim's second half, so none outlasts it (MAIL_CLAIM_SECONDS):
      // after it, another mailer may take the row.
      const lastStart = started.getTime() + leaseMs / 2;
      let next = 0;
      let failure: unknown;
      // `concurrency` sends at a time, each over its own pooled SMTP connection.
      const lane = async () => {
        while (failure === undefined && !stopped && next < batch.length) {
          if (clock().getTime() >= lastStart) return;
          const delivery = batch[next++] as Delivery;
          try {
            const outcome = await handle(delivery, people, choices);
            recorded.add(delivery.id);
            result[outcome]++;
            if (outcome !== "retrying") metrics?.finished(delivery.kind, outcome);
          } catch (error) {
            // A refused or unreachable send is recorded before it is thrown.
            if (error instanceof SmtpFailure) recorded.add(delivery.id);
            failure ??= error;
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, batch.length) }, lane));
      if (failure !== undefined) throw failure;
    } finally {
      // What this round did not send is due again at once, not when the claim runs out.
      await release(
        db,
        batch.filter((d) => !recorded.has(d.id)).map((d) => d.id),
        clock(),
      ).catch((error: unknown) => logger.warn({ err: error }, "claimed emails not given back"));
    }
    return result;
  }

  /** The loop of rounds: one per mailer; a round sends its batch `concurrency` at a time. */
  function worker() {
    let failures = 0;
    let again = false;
    let cutShort: (() => void) | undefined;
    const pause = (ms: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          cutShort = undefined;
          resolve();
        }
        cutShort = done;
      });

    async function run() {
      while (!stopped) {
        again = false;
        let delay = options.pollIntervalMs;
        try {
          const round = await runOnce();
          if (failures > 0) logger.info({ failures }, "mailer sending again");
          failures = 0;
          // A full batch means more may be due; a wake-up during the round may have queued more.
          if (round.claimed === batchSize || again) delay = 0;
        } catch (error) {
          failures++;
          if (failures === 1) {
            logger.warn({ err: error }, "mailer cannot send; retrying with back-off");
          }
          const base = Math.min(
            LOOP_RETRY.max,
            LOOP_RETRY.initial * 2 ** Math.min(failures - 1, 20),
          );
          delay = base * (0.5 + Math.random() * 0.5);
        }
        if (!stopped && delay > 0) await pause(delay);
      }
    }

    return {
      run,
      cut: () => cutShort?.(),
      wake() {
        again = true;
        // While failing, the back-off stands: waking would only fail again sooner.
        if (failures === 0) cutShort?.();
      },
    };
  }

  const loop = worker();
  let running: Promise<void> | undefined;

  return {
    start() {
      if (running || stopped) return;
      running = loop.run();
    },
    async stop() {
      stopped = true;
      loop.cut();
      await running;
    },
    wake: () => loop.wake(),
    runOnce,
  };
}
