// The events section's yardstick: a bare publisher with confirms on the relay's own copy of
// amqplib (bench/ cannot import it by name: the install is isolated, see grpc-deps.ts), and the
// broker objects the section makes and removes.
import {
  type Channel,
  type ChannelModel,
  type ConfirmChannel,
  connect,
  type Options,
} from "../packages/platform/node_modules/amqplib";

/** The broker every service uses by default (AMQP_URL of the platform's broker settings). */
export const AMQP_URL = "amqp://guest:guest@127.0.0.1:5672";

export interface Message {
  routingKey: string;
  body: Buffer;
  options: Options.Publish;
}

/** An event as the relay publishes it (relay.ts `toMessage`): the same body, key and properties. */
export function asMessage(event: {
  id: string;
  type: string;
  time: string;
  traceparent?: string;
}): Message {
  return {
    routingKey: event.type,
    body: Buffer.from(JSON.stringify(event)),
    options: {
      persistent: true,
      messageId: event.id,
      contentType: "application/cloudevents+json",
      type: event.type,
      timestamp: Math.floor(new Date(event.time).getTime() / 1000),
      headers: event.traceparent ? { traceparent: event.traceparent } : {},
    },
  };
}

/**
 * A careful hand-written publisher: a sliding window of at most `window` unconfirmed messages,
 * the next one sent as soon as a confirm frees a slot, pausing on the socket's back-pressure
 * (`publish` returning false) until 'drain'. Resolves with how many the broker nacked.
 */
export function publishWindowed(
  channel: ConfirmChannel,
  exchange: string,
  messages: Message[],
  window: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    let next = 0;
    let inFlight = 0;
    let settled = 0;
    let nacked = 0;
    let waitingForDrain = false;
    const onClose = () => reject(new Error("the bare publisher's channel closed"));
    channel.once("close", onClose);
    const pump = () => {
      while (!waitingForDrain && inFlight < window && next < messages.length) {
        const message = messages[next++]!;
        inFlight++;
        const room = channel.publish(
          exchange,
          message.routingKey,
          message.body,
          message.options,
          (error: unknown) => {
            inFlight--;
            settled++;
            if (error) nacked++;
            if (settled === messages.length) {
              channel.off("close", onClose);
              resolve(nacked);
            } else pump();
          },
        );
        if (!room) {
          waitingForDrain = true;
          channel.once("drain", () => {
            waitingForDrain = false;
            pump();
          });
        }
      }
    };
    pump();
  });
}

/** The simplest careful publisher: `batch` messages, then wait for all their confirms, repeat. */
export async function publishBatched(
  channel: ConfirmChannel,
  exchange: string,
  messages: Message[],
  batch: number,
) {
  for (let start = 0; start < messages.length; start += batch) {
    for (const message of messages.slice(start, start + batch)) {
      channel.publish(exchange, message.routingKey, message.body, message.options);
    }
    // Rejects when any message of the batch was nacked.
    await channel.waitForConfirms();
  }
}

/**
 * A fresh durable topic exchange with one durable queue bound to everything, as the consumers'
 * queues are declared (inbox/topology.ts): with a queue to route to, a persistent message is
 * confirmed once the queue has it, as in production; with none it would be dropped and confirmed
 * at once. `empty()` purges it between measurements.
 */
export async function benchBroker(exchange: string) {
  const model: ChannelModel = await connect(AMQP_URL, {
    clientProperties: { connection_name: "bench: bare publisher" },
  });
  const channel: ConfirmChannel = await model.createConfirmChannel();
  const admin: Channel = await model.createChannel();
  const queue = `${exchange}.all`;
  await admin.assertExchange(exchange, "topic", { durable: true });
  await admin.assertQueue(queue, { durable: true });
  await admin.bindQueue(queue, exchange, "#");
  return {
    channel,
    queue,
    async empty() {
      await admin.purgeQueue(queue);
    },
    async count() {
      return (await admin.checkQueue(queue)).messageCount;
    },
    async remove() {
      await admin.deleteQueue(queue).catch(() => undefined);
      await admin.deleteExchange(exchange).catch(() => undefined);
      await model.close().catch(() => undefined);
    },
  };
}

export type BenchBroker = Awaited<ReturnType<typeof benchBroker>>;

/** Deletes queues and an exchange a service declared (its consumer's topology) on the broker. */
export async function deleteBrokerObjects(exchange: string, queues: string[]) {
  const model = await connect(AMQP_URL);
  try {
    const channel = await model.createChannel();
    for (const queue of queues) await channel.deleteQueue(queue).catch(() => undefined);
    await channel.deleteExchange(exchange).catch(() => undefined);
  } finally {
    await model.close().catch(() => undefined);
  }
}
