import { SpanKind, SpanStatusCode, type Tracer } from "@opentelemetry/api";
import type { ConfirmChannel, ConsumeMessage } from "amqplib";
import { type Database, mysqlErrorCode, runTransaction, type Transaction } from "../db.ts";
import type { Logger } from "../logger.ts";
import { linkTo } from "../outbox/trace-context.ts";
import type { ConsumerMetrics } from "./consumer-metrics.ts";
import { inbox } from "./table.ts";
import { copyOptions, deadQueueOf, HEADERS, retryQueueOf, sendConfirmed } from "./topology.ts";

/** What the consumer needs of an event: the service's own parser decides the rest. */
export interface ConsumedEvent {
  id: string;
  type: string;
}

export type ParseOutcome<E> = { ok: true; event: E } | { ok: false; reason: string };

/** Makes an event's effect: true when it did, false when it had already been made. */
export type Processor<E> = (event: E) => Promise<boolean>;

export interface DeliverySettings<E extends ConsumedEvent> {
  queue: string;
  parse(raw: Buffer): ParseOutcome<E>;
  process: Processor<E>;
  afterCommit?(event: E): void;
  maxAttempts: number;
  backoffMs: number[];
  logger: Logger;
  metrics?: ConsumerMetrics;
  tracer: Tracer;
}

class AlreadyProcessed extends Error {}

/**
 * Everything done with one delivery: read it, run the handler with the inbox row in one
 * transaction, then ack; or send a copy to a retry or the dead-letter queue and ack the original.
 * The ack comes last, so a crash anywhere before it gets the message delivered again.
 */
export async function deliver<E extends ConsumedEvent>(
  settings: DeliverySettings<E>,
  channel: ConfirmChannel,
  message: ConsumeMessage,
) {
  const { queue, logger, metrics } = settings;
  const started = performance.now();
  const headers = message.properties.headers ?? {};
  const attempts = Number(headers[HEADERS.attempts] ?? 0) || 0;
  const link = linkTo(typeof headers.traceparent === "string" ? headers.traceparent : undefined);
  const attributes = {
    "messaging.system": "rabbitmq",
    "messaging.operation.name": "process",
    "messaging.operation.type": "process",
    "messaging.destination.name": queue,
    "messaging.message.id": String(message.properties.messageId ?? ""),
    "messaging.rabbitmq.destination.routing_key": message.fields.routingKey,
    "messaging.consumer.attempts": attempts + 1,
  };
  await settings.tracer.startActiveSpan(
    `process ${queue}`,
    { kind: SpanKind.CONSUMER, attributes, links: link ? [link] : [] },
    async (span) => {
      try {
        const parsed = settings.parse(message.content);
        if (!parsed.ok) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: parsed.reason });
          await deadLetter(queue, channel, message, parsed.reason, "rejected", attempts);
          metrics?.deadLettered("invalid", "rejected");
          logger.warn(
            { messageId: message.properties.messageId, reason: parsed.reason },
            "event rejected",
          );
          return;
        }
        const { event } = parsed;
        span.setAttribute("cloudevents.event_type", event.type);
        span.setAttribute("cloudevents.event_id", event.id);
        try {
          const processed = await settings.process(event);
          channel.ack(message);
          if (processed) afterCommit(settings, event);
          metrics?.consumed(event.type, processed ? "processed" : "duplicate", elapsed(started));
          if (!processed) span.setAttribute("inbox.duplicate", true);
        } catch (error) {
          const made = attempts + 1;
          const why = error instanceof Error ? error.message : String(error);
          span.recordException(error instanceof Error ? error : new Error(why));
          span.setStatus({ code: SpanStatusCode.ERROR, message: why });
          metrics?.failed(event.type);
          if (made >= settings.maxAttempts) {
            await deadLetter(queue, channel, message, why, "exhausted", made);
            metrics?.deadLettered(event.type, "exhausted");
            logger.error({ err: error, eventId: event.id, attempts: made }, "event dead-lettered");
          } else {
            const delay = settings.backoffMs[
              Math.min(made, settings.backoffMs.length) - 1
            ] as number;
            await sendConfirmed(
              channel,
              retryQueueOf(queue, delay),
              message.content,
              copyOptions(message, { [HEADERS.attempts]: made }),
            );
            channel.ack(message);
            logger.warn({ err: error, eventId: event.id, attempts: made, delay }, "event retried");
          }
        }
      } finally {
        span.end();
      }
    },
  );
}

/** The effect is committed: a failing hook must not make it look failed and retried. */
function afterCommit<E extends ConsumedEvent>(settings: DeliverySettings<E>, event: E) {
  try {
    settings.afterCommit?.(event);
  } catch (error) {
    settings.logger.warn({ err: error, eventId: event.id }, "afterCommit hook failed");
  }
}

/** True when the handler ran and committed; false when the inbox already had the event. */
export async function handleOnce<E extends ConsumedEvent, S extends Record<string, unknown>>(
  db: Database<S>,
  queue: string,
  handle: (event: E, tx: Transaction<S>) => Promise<void>,
  event: E,
): Promise<boolean> {
  try {
    // READ COMMITTED: no gap locks, so events handled side by side (prefetch) do not deadlock
    // on each other's inserts; a handler that needs a consistent view locks the rows it reads.
    await runTransaction(
      db,
      async (tx) => {
        try {
          await tx.insert(inbox).values({
            consumer: queue,
            eventId: event.id,
            type: event.type,
            processedAt: new Date(),
          });
        } catch (error) {
          // A concurrent delivery of the same event waits on this key until the other commits.
          if (mysqlErrorCode(error) === "ER_DUP_ENTRY") throw new AlreadyProcessed();
          throw error;
        }
        await handle(event, tx);
      },
      { isolationLevel: "read committed" },
    );
    return true;
  } catch (error) {
    if (error instanceof AlreadyProcessed) return false;
    throw error;
  }
}

async function deadLetter(
  queue: string,
  channel: ConfirmChannel,
  message: ConsumeMessage,
  reason: string,
  kind: "rejected" | "exhausted",
  attempts: number,
) {
  await sendConfirmed(
    channel,
    deadQueueOf(queue),
    message.content,
    copyOptions(message, {
      [HEADERS.attempts]: attempts,
      [HEADERS.reason]: reason.slice(0, 1000),
      [HEADERS.kind]: kind,
      [HEADERS.deadLetteredAt]: new Date().toISOString(),
    }),
  );
  channel.ack(message);
}

const elapsed = (started: number) => (performance.now() - started) / 1000;
