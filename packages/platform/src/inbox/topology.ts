import type { Channel, ConfirmChannel, Message, Options } from "amqplib";

/** Headers the consumer sets on the copies it sends to its retry and dead-letter queues. */
export const HEADERS = {
  /** Handler attempts made so far (absent on a first delivery). */
  attempts: "x-attempts",
  /** Why the message was dead-lettered, for people reading the queue. */
  reason: "x-dead-letter-reason",
  /** "rejected" (the event could not be read) or "exhausted" (the handler kept failing). */
  kind: "x-dead-letter-kind",
  deadLetteredAt: "x-dead-lettered-at",
  /** The routing key the event was published with (copies travel through the default exchange). */
  routingKey: "x-original-routing-key",
} as const;

export const deadQueueOf = (queue: string) => `${queue}.dead`;
export const retryQueueOf = (queue: string, delayMs: number) => `${queue}.retry.${delayMs}ms`;

/**
 * The consumer's queues (docs/decisions/0015-consumer-retries.md): the main queue bound to the
 * exchange, one retry queue per distinct delay whose expired messages the broker dead-letters back
 * to the main queue, and the dead-letter queue. All durable; asserting them again is a no-op.
 */
export async function assertTopology(
  channel: Channel,
  options: { exchange: string; queue: string; bindings: string[]; backoffMs: number[] },
) {
  const { exchange, queue } = options;
  await channel.assertExchange(exchange, "topic", { durable: true });
  await channel.assertQueue(queue, { durable: true });
  for (const key of options.bindings) await channel.bindQueue(queue, exchange, key);
  for (const delay of new Set(options.backoffMs)) {
    await channel.assertQueue(retryQueueOf(queue, delay), {
      durable: true,
      arguments: {
        "x-message-ttl": delay,
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": queue,
      },
    });
  }
  await channel.assertQueue(deadQueueOf(queue), { durable: true });
}

/** Deletes every queue `assertTopology` made (tests, and retiring a consumer). */
export async function deleteTopology(
  channel: Channel,
  options: { queue: string; backoffMs: number[] },
) {
  const { queue } = options;
  for (const delay of new Set(options.backoffMs)) {
    await channel.deleteQueue(retryQueueOf(queue, delay));
  }
  await channel.deleteQueue(deadQueueOf(queue));
  await channel.deleteQueue(queue);
}

/** A copy of `message` for another queue, keeping the event's properties and trace context. */
export function copyOptions(message: Message, headers: Record<string, unknown>): Options.Publish {
  const p = message.properties;
  const kept = { ...(p.headers ?? {}) };
  // The broker's own history of a trip through a retry queue; our headers say what matters.
  delete kept["x-death"];
  delete kept["x-first-death-exchange"];
  delete kept["x-first-death-queue"];
  delete kept["x-first-death-reason"];
  delete kept["x-last-death-exchange"];
  delete kept["x-last-death-queue"];
  delete kept["x-last-death-reason"];
  return {
    persistent: true,
    messageId: p.messageId,
    contentType: p.contentType,
    type: p.type,
    timestamp: p.timestamp,
    headers: {
      ...kept,
      [HEADERS.routingKey]: kept[HEADERS.routingKey] ?? message.fields.routingKey,
      ...headers,
    },
  };
}

/** Sends to a queue through the default exchange and waits for the broker's confirm. */
export function sendConfirmed(
  channel: ConfirmChannel,
  queue: string,
  content: Buffer,
  options: Options.Publish,
) {
  return new Promise<void>((resolve, reject) => {
    try {
      channel.sendToQueue(queue, content, options, (error: unknown) =>
        error ? reject(new Error(`the broker refused the copy to ${queue}`)) : resolve(),
      );
    } catch (error) {
      reject(error);
    }
  });
}
