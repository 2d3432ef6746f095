import { type ChannelModel, type ConfirmChannel, connect, type Options } from "amqplib";
import type { Logger } from "../logger.ts";

export interface OutgoingMessage {
  routingKey: string;
  body: Buffer;
  options: Options.Publish;
}

/** The relay's connection to RabbitMQ: one confirm channel on one connection, reopened on demand. */
export interface BrokerLink {
  /** Opens the connection, the confirm channel and the exchange if needed; throws if it cannot. */
  open(): Promise<void>;
  /**
   * Publishes in order and waits for the broker's confirms, at most `timeoutMs`. Resolves with
   * which messages the broker acknowledged; a nack, a closed channel or the timeout leave a
   * message unacknowledged (and the latter two drop the connection).
   */
  publish(messages: OutgoingMessage[], timeoutMs: number): Promise<boolean[]>;
  /** Why nothing can be published right now; undefined when the link is open. */
  problem(): string | undefined;
  close(): Promise<void>;
}

interface Open {
  model: ChannelModel;
  channel: ConfirmChannel;
}

const CLOSE_TIMEOUT_MS = 2000;

export function createBrokerLink(options: {
  url: string;
  exchange: string;
  logger: Logger;
  connectTimeoutMs: number;
}): BrokerLink {
  const { url, exchange, logger } = options;
  let current: Open | undefined;
  let opening: Promise<void> | undefined;
  let lastProblem = "not connected yet";
  let blocked: string | undefined;

  const drop = (model: ChannelModel, why: string) => {
    if (current?.model !== model) return;
    current = undefined;
    lastProblem = why;
    blocked = undefined;
    // Not awaited: a broker that stopped answering never sends close-ok.
    model.close().catch(() => undefined);
  };

  async function connectOnce() {
    const model = await connect(url, {
      timeout: options.connectTimeoutMs,
      clientProperties: { connection_name: `outbox relay (${exchange})` },
    });
    // Without listeners these would be thrown as unhandled 'error' events and end the process.
    model.on("error", (error: Error) => logger.debug({ err: error }, "broker connection error"));
    model.on("close", (error?: Error) =>
      drop(model, `connection closed${error ? `: ${error.message}` : ""}`),
    );
    model.on("blocked", (reason: string) => {
      blocked = reason;
    });
    model.on("unblocked", () => {
      blocked = undefined;
    });
    try {
      const channel = await model.createConfirmChannel();
      channel.on("error", (error: Error) => drop(model, `channel closed: ${error.message}`));
      channel.on("close", () => drop(model, "channel closed"));
      await channel.assertExchange(exchange, "topic", { durable: true });
      current = { model, channel };
    } catch (error) {
      model.close().catch(() => undefined);
      throw error;
    }
  }

  return {
    async open() {
      if (current) return;
      opening ??= connectOnce()
        .catch((error: unknown) => {
          lastProblem = `broker unreachable: ${error instanceof Error ? error.message : "unknown"}`;
          throw error;
        })
        .finally(() => {
          opening = undefined;
        });
      await opening;
    },

    async publish(messages, timeoutMs) {
      const link = current;
      if (!link) throw new Error(lastProblem);
      const acked = messages.map(() => false);
      // No wait for 'drain' between messages: a batch is bounded, so the client's buffer holds at
      // most one batch.
      const confirms = messages.map(
        (message, i) =>
          new Promise<void>((resolve) => {
            try {
              link.channel.publish(
                exchange,
                message.routingKey,
                message.body,
                message.options,
                (error: unknown) => {
                  if (!error) acked[i] = true;
                  resolve();
                },
              );
            } catch {
              resolve();
            }
          }),
      );
      let timer: Timer | undefined;
      const confirmed = await Promise.race([
        Promise.all(confirms).then(() => true),
        new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      if (!confirmed) drop(link.model, `the broker did not confirm within ${timeoutMs} ms`);
      return [...acked];
    },

    problem() {
      if (!current) return lastProblem;
      if (blocked !== undefined) return `the broker blocks publishing: ${blocked}`;
      return undefined;
    },

    async close() {
      const link = current;
      current = undefined;
      lastProblem = "closed";
      if (!link) return;
      let timer: Timer | undefined;
      await Promise.race([
        link.model.close().catch(() => undefined),
        new Promise((resolve) => {
          timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
        }),
      ]);
      clearTimeout(timer);
    },
  };
}
