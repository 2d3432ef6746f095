import { type ChannelModel, connect } from "amqplib";
import { type ReconnectLoop, reconnectLoop } from "../amqp/reconnect-loop.ts";
import type { ReadinessCheck } from "../health.ts";
import type { Logger } from "../logger.ts";

export interface FanoutOptions {
  /** RabbitMQ's AMQP URL (`?heartbeat=N` tunes how soon a silent broker is noticed). */
  url: string;
  /** The producers' durable topic exchange (the outbox relay's). */
  exchange: string;
  /** Routing keys or patterns (event types, `dev.hangout-planner.hangout.#`) to bind. */
  bindings: string[];
  /**
   * Every message bound, once per replica, in the broker's order. Synchronous: it only wakes
   * whoever reads the database; an exception is logged and the message dropped.
   */
  onMessage(routingKey: string, content: Buffer, headers: Record<string, unknown>): void;
  /**
   * Runs after each (re)connect, once the queue is bound and consumed: what was published while
   * this replica was disconnected went nowhere, so the caller catches up from the database.
   */
  onConnected?(): void;
  logger: Logger;
  /** Back-off between failed connection attempts: doubling, with jitter. */
  reconnectDelayMs?: { initial: number; max: number };
  /** The readiness check's name and the broker connection's name. */
  name?: string;
}

export interface FanoutSubscriber {
  /** Connects (again and again, while it cannot) and delivers until `stop()`. */
  start(): void;
  /** Closes the connection; nothing is delivered and no reconnect is tried after. Idempotent. */
  stop(): Promise<void>;
  /** Fails, with the reason, while not connected. Not critical: the caller also polls. */
  readiness: ReadinessCheck;
}

/**
 * Bounds of each replica's queue. With `noAck` the broker pushes as fast as the socket takes
 * it, so messages only pile up when the replica stops reading (a blocked event loop, a stuck
 * network): the bound keeps such a replica from growing the broker's memory. `drop-head` (the
 * broker's default overflow, spelled out) discards the oldest: these messages are wake-up
 * signals for a database read that sees everything anyway, so the newest are the useful ones.
 * `reject-publish` would instead nack the relay's publishes: one stuck replica would then stall
 * the relay for every consumer of the exchange.
 */
const QUEUE_MAX_LENGTH = 10_000;
const QUEUE_MAX_BYTES = 16 * 1024 * 1024;
/** A broker (or proxy) that accepts the TCP connection but never answers must not hang us. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Every replica's own view of the events exchange: a server-named, exclusive, auto-delete queue
 * per connection, so each replica receives every bound event once (fan-out, not work-queue).
 * Messages are lost while disconnected; `onConnected` is the caller's cue to catch up.
 */
export function createFanoutSubscriber(options: FanoutOptions): FanoutSubscriber {
  const { url, exchange, bindings, logger } = options;
  const name = options.name ?? "live-fanout";
  const reconnect = options.reconnectDelayMs ?? { initial: 250, max: 30_000 };

  let stopped = false;
  let loop: ReconnectLoop | undefined;
  let current: ChannelModel | undefined;
  let problem = "not connected yet";

  const deliver = (routingKey: string, content: Buffer, headers: Record<string, unknown>) => {
    try {
      options.onMessage(routingKey, content, headers);
    } catch (error) {
      logger.error({ err: error, routingKey, name }, "live fan-out handler failed");
    }
  };

  async function session() {
    const model = await connect(url, {
      timeout: CONNECT_TIMEOUT_MS,
      clientProperties: { connection_name: name },
    });
    const closed = new Promise<string>((resolve) => {
      // Without listeners these would be thrown as unhandled 'error' events and end the process.
      model.on("error", (error: Error) => logger.debug({ err: error }, "broker connection error"));
      model.on("close", (error?: Error) =>
        resolve(`connection closed${error ? `: ${error.message}` : ""}`),
      );
    });
    try {
      const channel = await model.createChannel();
      channel.on("error", (error: Error) => {
        logger.warn({ err: error, name }, "live fan-out channel closed; reconnecting");
        model.close().catch(() => undefined);
      });
      channel.on("close", () => model.close().catch(() => undefined));
      // The relay's and the consumers' declaration: any other argument is PRECONDITION_FAILED.
      await channel.assertExchange(exchange, "topic", { durable: true });
      const { queue } = await channel.assertQueue("", {
        exclusive: true,
        autoDelete: true,
        durable: false,
        maxLength: QUEUE_MAX_LENGTH,
        overflow: "drop-head",
        arguments: { "x-max-length-bytes": QUEUE_MAX_BYTES },
      });
      for (const key of bindings) await channel.bindQueue(queue, exchange, key);
      await channel.consume(
        queue,
        (message) => {
          // Null when the broker cancelled the consumer (queue deleted): start over.
          if (!message) return void model.close().catch(() => undefined);
          if (stopped) return;
          deliver(message.fields.routingKey, message.content, message.properties.headers ?? {});
        },
        { noAck: true },
      );
      current = model;
      problem = "";
    } catch (error) {
      model.close().catch(() => undefined);
      throw error;
    }
    // stop() ran while this session was connecting and found nothing to close.
    if (stopped) model.close().catch(() => undefined);
    else {
      try {
        options.onConnected?.();
      } catch (error) {
        logger.error({ err: error, name }, "live fan-out onConnected failed");
      }
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
        context: { name },
        what: "live fan-out",
        onUnreachable: (why) => {
          problem = why;
        },
      });
    },
    async stop() {
      stopped = true;
      loop?.wake();
      await current?.close().catch(() => undefined);
      await loop?.done;
    },
    readiness: {
      name,
      critical: false,
      async check() {
        if (stopped) throw new Error("stopped");
        if (!current || problem) throw new Error(problem || "not connected");
      },
    },
  };
}
