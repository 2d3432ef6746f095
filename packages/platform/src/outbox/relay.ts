import { type Link, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { Pool, PoolConnection } from "mysql2/promise";
import type { Registry } from "prom-client";
import type { ReadinessCheck } from "../health.ts";
import type { Logger } from "../logger.ts";
import { createBrokerLink, type OutgoingMessage } from "./broker-link.ts";
import { SUBJECT_HEADER } from "./message-headers.ts";
import { createRelayMetrics, type RelayMetrics } from "./relay-metrics.ts";
import {
  backlog,
  type ClaimedRow,
  claim,
  inReadCommitted,
  markPublished,
  prunePublished,
  publishable,
} from "./relay-statements.ts";
import { linkTo } from "./trace-context.ts";

export interface RelayOptions {
  /** The producing service's own pool: the outbox is in its database. */
  pool: Pool;
  /** RabbitMQ's AMQP URL (`?heartbeat=N` tunes how soon a silent broker is noticed). */
  url: string;
  /** The durable topic exchange every event goes to, routed by its type; asserted on connect. */
  exchange: string;
  /** Rows claimed per round, and at most one transaction's worth of messages in flight. */
  batchSize?: number;
  /** The wait between rounds when the outbox is drained. */
  pollIntervalMs?: number;
  /** How long published rows are kept. */
  retentionSeconds?: number;
  pruneIntervalMs?: number;
  /**
   * How long a round waits for the broker's confirms before dropping the connection; `stop()`
   * waits for a round in flight, so keep it under the service's shutdown timeout.
   */
  confirmTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Back-off between failed rounds (broker unreachable, no confirm): doubling, with jitter. */
  retryDelayMs?: { initial: number; max: number };
  logger: Logger;
  /** Where the relay's metrics are registered (the service's registry); none without it. */
  metrics?: Registry;
  /** Time of `published_at`, of the pruning cutoff and of the age metric. */
  clock?: () => Date;
  /** Test seam: runs after the broker confirmed a batch, before its rows are marked published. */
  beforeMark?: (eventIds: string[]) => void | Promise<void>;
}

export interface RoundResult {
  /** Rows this round locked. */
  claimed: number;
  /** Rows the broker confirmed and this round marked published. */
  published: number;
  /** Rows sent but not confirmed (nack, timeout, lost channel): published again later. */
  unconfirmed: number;
}

export interface Relay {
  /** Starts the loop: rounds until the outbox is drained, then one per poll interval. */
  start(): void;
  /** Stops the loop, waits for a round in progress, closes the broker connection. */
  stop(): Promise<void>;
  /** Fails while the relay cannot publish: broker unreachable, or blocking publishers. */
  readiness: ReadinessCheck;
  /** One round: claim, publish, wait for confirms, mark. Throws when the broker is unreachable. */
  runOnce(): Promise<RoundResult>;
  /** Deletes rows published longer than the retention ago; returns how many. */
  prune(): Promise<number>;
}

/**
 * Publishes the outbox to RabbitMQ: at least once, in order per aggregate, from any number of
 * replicas at once (docs/decisions/0014-outbox-relay.md).
 */
/**
 * Rows a round claims, publishes and marks. Each round is one transaction with a commit (a log
 * flush) and three statements, so larger rounds spread that cost over more events
 * (docs/decisions/0014-outbox-relay.md).
 */
export const DEFAULT_BATCH_SIZE = 250;

export function createRelay(options: RelayOptions): Relay {
  const { pool, exchange, logger } = options;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const pollIntervalMs = options.pollIntervalMs ?? 250;
  const retentionMs = (options.retentionSeconds ?? 86_400) * 1000;
  const pruneIntervalMs = options.pruneIntervalMs ?? 60_000;
  const confirmTimeoutMs = options.confirmTimeoutMs ?? 5000;
  const retry = options.retryDelayMs ?? { initial: 250, max: 30_000 };
  const clock = options.clock ?? (() => new Date());
  const link = createBrokerLink({
    url: options.url,
    exchange,
    logger,
    connectTimeoutMs: options.connectTimeoutMs ?? 5000,
  });
  const metrics: RelayMetrics | undefined = options.metrics
    ? createRelayMetrics({
        registry: options.metrics,
        readBacklog: () => backlog(pool),
        clock,
        logger,
      })
    : undefined;
  const tracer = trace.getTracer("hangout");

  async function publishRound(connection: PoolConnection, ready: ClaimedRow[]) {
    const links = ready.map((row) => linkTo(row.traceparent)).filter((l): l is Link => !!l);
    const attributes = {
      "messaging.system": "rabbitmq",
      "messaging.operation.name": "send",
      "messaging.operation.type": "send",
      "messaging.destination.name": exchange,
      "messaging.batch.message_count": ready.length,
    };
    return tracer.startActiveSpan(
      `send ${exchange}`,
      { kind: SpanKind.PRODUCER, attributes, links },
      async (span) => {
        try {
          const acked = await link.publish(ready.map(toMessage), confirmTimeoutMs);
          const confirmed = ready.filter((_, i) => acked[i]);
          const unconfirmed = ready.length - confirmed.length;
          span.setAttribute("outbox.unconfirmed_count", unconfirmed);
          if (unconfirmed > 0) span.setStatus({ code: SpanStatusCode.ERROR });
          if (confirmed.length > 0) {
            await options.beforeMark?.(confirmed.map((row) => row.eventId));
            await markPublished(
              connection,
              confirmed.map((row) => row.seq),
              clock(),
            );
          }
          return { confirmed, unconfirmed };
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR });
          span.setAttribute("error.type", error instanceof Error ? error.name : "unknown");
          throw error;
        } finally {
          span.end();
        }
      },
    );
  }

  async function runOnce(): Promise<RoundResult> {
    // The broker first: no rows are locked while it cannot take them.
    await link.open();
    const problem = link.problem();
    if (problem) throw new Error(problem);
    const round = await inReadCommitted(pool, async (connection) => {
      const claimed = await claim(connection, batchSize);
      const ready = await publishable(connection, claimed);
      if (ready.length === 0) return { claimed: claimed.length, confirmed: [], unconfirmed: 0 };
      return { claimed: claimed.length, ...(await publishRound(connection, ready)) };
    });
    // Counted once committed: a rolled-back mark publishes the rows again.
    if (metrics) {
      const byType = new Map<string, number>();
      for (const row of round.confirmed) byType.set(row.type, (byType.get(row.type) ?? 0) + 1);
      for (const [type, count] of byType) metrics.published(type, count);
    }
    return {
      claimed: round.claimed,
      published: round.confirmed.length,
      unconfirmed: round.unconfirmed,
    };
  }

  const prune = () => prunePublished(pool, new Date(clock().getTime() - retentionMs));

  let stopped = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  async function run() {
    let failures = 0;
    let nextPrune = 0;
    while (!stopped) {
      if (Date.now() >= nextPrune) {
        nextPrune = Date.now() + pruneIntervalMs;
        await prune().catch((error: unknown) =>
          logger.warn({ err: error }, "outbox pruning failed; retrying next interval"),
        );
      }
      let delay = pollIntervalMs;
      try {
        const round = await runOnce();
        if (round.unconfirmed > 0) throw new Error(`${round.unconfirmed} events not confirmed`);
        if (failures > 0) logger.info({ failures }, "outbox relay publishing again");
        failures = 0;
        // A full batch that went out means more may be waiting.
        if (round.published > 0 && round.claimed === batchSize) delay = 0;
      } catch (error) {
        failures++;
        if (failures === 1) {
          logger.warn({ err: error }, "outbox relay cannot publish; retrying with back-off");
        }
        const base = Math.min(retry.max, retry.initial * 2 ** Math.min(failures - 1, 20));
        delay = base * (0.5 + Math.random() * 0.5);
      }
      if (!stopped && delay > 0) await pause(delay);
    }
  }

  return {
    start() {
      if (loop || stopped) return;
      loop = run();
    },
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      await link.close();
    },
    readiness: {
      name: "broker",
      // Requests still succeed with the broker down (the outbox holds their events).
      critical: false,
      async check() {
        const problem = link.problem();
        if (problem) throw new Error(problem);
      },
    },
    runOnce,
    prune,
  };
}

function toMessage(row: ClaimedRow): OutgoingMessage {
  return {
    routingKey: row.type,
    body: Buffer.from(row.payload),
    options: {
      persistent: true,
      messageId: row.eventId,
      contentType: "application/cloudevents+json",
      type: row.type,
      timestamp: Math.floor(row.createdAt.getTime() / 1000),
      headers: {
        // The aggregate, as the CloudEvents AMQP binding names `subject`: consumers handle one
        // aggregate's events one at a time, in this order.
        [SUBJECT_HEADER]: row.aggregateId,
        ...(row.traceparent ? { traceparent: row.traceparent } : {}),
      },
    },
  };
}
