import { type Tracer, trace } from "@opentelemetry/api";
import { type ChannelModel, type ConfirmChannel, connect } from "amqplib";
import type { Registry } from "prom-client";
import { type ReconnectLoop, reconnectLoop } from "../amqp/reconnect-loop.ts";
import type { Database, Transaction } from "../db.ts";
import type { ReadinessCheck } from "../health.ts";
import type { Logger } from "../logger.ts";
import { subjectOf } from "../outbox/message-headers.ts";
import { createConsumerMetrics } from "./consumer-metrics.ts";
import {
  type ConsumedEvent,
  deliver,
  handleOnce,
  type ParseOutcome,
  type Processor,
} from "./deliver.ts";
import { assertTopology } from "./topology.ts";

export type { ConsumedEvent, ParseOutcome } from "./deliver.ts";

/** Where a handler's effect is made once: in a transaction with the event's inbox row. */
export interface InboxHandling<E extends ConsumedEvent, S extends Record<string, unknown>> {
  /** The consuming service's database; its schema must export `inbox` (./table.ts). */
  db: Database<S>;
  /** The effect, in the transaction that also records the event in the inbox. */
  handle(event: E, tx: Transaction<S>): Promise<void>;
  handleIdempotently?: never;
}

/**
 * For a service without a database (the media worker): nothing records that an event was
 * handled, so the handler must give the same result when it runs again for the same event.
 */
export interface IdempotentHandling<E extends ConsumedEvent> {
  db?: never;
  handle?: never;
  handleIdempotently(event: E): Promise<void>;
}

export type ConsumerHandling<E extends ConsumedEvent, S extends Record<string, unknown>> =
  | InboxHandling<E, S>
  | IdempotentHandling<E>;

export interface ConsumerSettings<E extends ConsumedEvent> {
  /** RabbitMQ's AMQP URL. */
  url: string;
  /** The producers' durable topic exchange. */
  exchange: string;
  /** The durable queue of this consumer; also its name in the inbox and in the metrics. */
  queue: string;
  /** Routing keys or patterns (event types, `dev.hangout-planner.hangout.*.v1`) to bind. */
  bindings: string[];
  /** The service's event reader (`parseEvent` of @hangout/events); must not throw. */
  parse(raw: Buffer): ParseOutcome<E>;
  /** Runs after the effect committed (not for a duplicate): wake whoever acts on it. */
  afterCommit?(event: E): void;
  /** Handler attempts before a message is dead-lettered. */
  maxAttempts?: number;
  /** Wait before attempt 2, 3, …; the last one repeats. Each distinct delay is a retry queue. */
  backoffMs?: number[];
  /** Messages handled at once. */
  prefetch?: number;
  /** Back-off between failed connection attempts: doubling, with jitter. */
  reconnectDelayMs?: { initial: number; max: number };
  logger: Logger;
  /** Where the consumer's metrics are registered (the service's registry); none without it. */
  metrics?: Registry;
  tracer?: Tracer;
}

export type ConsumerOptions<
  E extends ConsumedEvent,
  S extends Record<string, unknown>,
> = ConsumerSettings<E> & ConsumerHandling<E, S>;

export interface Consumer {
  /** Connects (again and again, while it cannot) and consumes until `stop()`. */
  start(): void;
  /** Stops taking messages, waits for those being handled, closes the connection. */
  stop(): Promise<void>;
  /** Fails while the consumer is not connected. */
  readiness: ReadinessCheck;
}

/** Waits before attempts 2, 3, 4 and 5 (the last repeats); each is a retry queue of its own. */
export const DEFAULT_BACKOFF_MS = [1000, 5000, 30_000];

/**
 * An idempotent, retrying consumer of the outbox relay's events
 * (docs/decisions/0015-consumer-retries.md).
 */
export function createConsumer<E extends ConsumedEvent, S extends Record<string, unknown>>(
  options: ConsumerOptions<E, S>,
): Consumer {
  const { url, exchange, queue, logger } = options;
  const backoffMs = options.backoffMs ?? DEFAULT_BACKOFF_MS;
  if (backoffMs.length === 0 || backoffMs.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new Error("backoffMs must list at least one whole number of milliseconds above 0");
  }
  const reconnect = options.reconnectDelayMs ?? { initial: 250, max: 30_000 };
  const settings = {
    queue,
    parse: options.parse,
    process: processorOf(options, queue),
    afterCommit: options.afterCommit,
    maxAttempts: options.maxAttempts ?? 5,
    backoffMs,
    logger,
    metrics: options.metrics ? createConsumerMetrics(options.metrics, queue) : undefined,
    tracer: options.tracer ?? trace.getTracer("hangout"),
  };

  let stopped = false;
  let loop: ReconnectLoop | undefined;
  let current: { model: ChannelModel; channel: ConfirmChannel; tag?: string } | undefined;
  let problem = "not connected yet";
  const inFlight = new Set<Promise<void>>();
  /** The last delivery of each aggregate in hand: the next one of it waits for that one. */
  const bySubject = new Map<string, Promise<void>>();

  async function session() {
    const model = await connect(url, {
      clientProperties: { connection_name: `consumer ${queue}` },
    });
    const closed = new Promise<string>((resolve) => {
      // Without listeners these would be thrown as unhandled 'error' events and end the process.
      model.on("error", (error: Error) => logger.debug({ err: error }, "broker connection error"));
      model.on("close", (error?: Error) =>
        resolve(`connection closed${error ? `: ${error.message}` : ""}`),
      );
    });
    try {
      const channel = await model.createConfirmChannel();
      channel.on("error", (error: Error) => {
        logger.warn({ err: error }, "consumer channel closed; reconnecting");
        model.close().catch(() => undefined);
      });
      channel.on("close", () => model.close().catch(() => undefined));
      await assertTopology(channel, { exchange, queue, bindings: options.bindings, backoffMs });
      await channel.prefetch(options.prefetch ?? 10);
      current = { model, channel };
      const { consumerTag } = await channel.consume(queue, (message) => {
        // Null when the broker cancelled the consumer (queue deleted): start over.
        if (!message) return void model.close().catch(() => undefined);
        // Up to `prefetch` messages are handled at once, but one aggregate's one after the
        // other, in the order the relay published them.
        const subject = subjectOf(message.properties.headers);
        const before = subject ? bySubject.get(subject) : undefined;
        const work = (before ?? Promise.resolve())
          .then(() => deliver(settings, channel, message))
          .catch((error: unknown) =>
            // The copy or the ack could not be sent: the broker delivers the message again.
            logger.warn({ err: error, queue }, "delivery left unacknowledged"),
          );
        inFlight.add(work);
        if (subject) bySubject.set(subject, work);
        work.finally(() => {
          inFlight.delete(work);
          if (subject && bySubject.get(subject) === work) bySubject.delete(subject);
        });
      });
      current.tag = consumerTag;
      problem = "";
      // stop() ran while this session was connecting and found nothing to close.
      if (stopped) model.close().catch(() => undefined);
    } catch (error) {
      model.close().catch(() => undefined);
      throw error;
    }
    problem = await closed;
    current = undefined;
    return problem;
  }

  return {
    start() {
      if (loop || stopped) return;
      loop = reconnectLoop({
        session,
        stopped: () => stopped,
        delay: reconnect,
        logger,
        context: { queue },
        what: "consumer",
        onUnreachable: (why) => {
          problem = why;
        },
      });
    },
    async stop() {
      stopped = true;
      loop?.wake();
      const open = current;
      if (open?.tag) await open.channel.cancel(open.tag).catch(() => undefined);
      await Promise.all(inFlight);
      if (open) await open.model.close().catch(() => undefined);
      await loop?.done;
    },
    readiness: {
      name: `consumer ${queue}`,
      critical: false,
      async check() {
        if (!current || problem) throw new Error(problem || "not connected");
      },
    },
  };
}

/** How a delivery's effect is made: once through the inbox, or by an idempotent handler. */
function processorOf<E extends ConsumedEvent, S extends Record<string, unknown>>(
  handling: ConsumerHandling<E, S>,
  queue: string,
): Processor<E> {
  if (handling.handleIdempotently) {
    const handle = handling.handleIdempotently;
    return async (event) => {
      await handle(event);
      return true;
    };
  }
  const { db, handle } = handling as InboxHandling<E, S>;
  return (event) => handleOnce(db, queue, handle, event);
}
