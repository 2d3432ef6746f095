import { connect, type GetMessage } from "amqplib";
import { deadQueueOf, HEADERS, sendConfirmed } from "./topology.ts";

export interface DeadLetter {
  eventId: string;
  type: string;
  reason: string;
  kind: string;
  attempts: number;
  deadLetteredAt: string;
}

function describe(message: GetMessage): DeadLetter {
  const headers = message.properties.headers ?? {};
  const text = (value: unknown) => (value === undefined || value === null ? "" : String(value));
  return {
    eventId: text(message.properties.messageId),
    type: text(message.properties.type ?? headers[HEADERS.routingKey]),
    reason: text(headers[HEADERS.reason]),
    kind: text(headers[HEADERS.kind]),
    attempts: Number(headers[HEADERS.attempts] ?? 0) || 0,
    deadLetteredAt: text(headers[HEADERS.deadLetteredAt]),
  };
}

/**
 * Takes every message of `queue`'s dead-letter queue without acknowledging it, passes each to
 * `visit`, and acknowledges those `visit` returns true for; the rest go back to the queue when the
 * channel closes. Messages stay unacknowledged while held, so each is seen once.
 */
async function sweep(
  url: string,
  queue: string,
  visit: (
    message: GetMessage,
    send: (to: string, headers: Record<string, unknown>) => Promise<void>,
  ) => Promise<boolean>,
) {
  const model = await connect(url, {
    clientProperties: { connection_name: `dead letters ${queue}` },
  });
  try {
    const channel = await model.createConfirmChannel();
    const dead = deadQueueOf(queue);
    await channel.checkQueue(dead);
    await channel.checkQueue(queue);
    for (;;) {
      const message = await channel.get(dead, { noAck: false });
      if (!message) break;
      const send = (to: string, headers: Record<string, unknown>) =>
        sendConfirmed(channel, to, message.content, {
          persistent: true,
          messageId: message.properties.messageId,
          contentType: message.properties.contentType,
          type: message.properties.type,
          timestamp: message.properties.timestamp,
          headers,
        });
      if (await visit(message, send)) channel.ack(message);
    }
  } finally {
    await model.close().catch(() => undefined);
  }
}

/** The dead letters of `queue` (its `<queue>.dead`), oldest first; nothing is removed. */
export async function listDeadLetters(url: string, queue: string): Promise<DeadLetter[]> {
  const found: DeadLetter[] = [];
  await sweep(url, queue, async (message) => {
    found.push(describe(message));
    return false;
  });
  return found;
}

/**
 * Moves dead letters back to `queue` with their attempts reset (all of them, or those whose event
 * id is in `ids`), and returns the ones moved. Each is removed from the dead-letter queue only
 * after the broker confirmed its copy, so a failure part-way leaves it in one of the two, or in
 * both (the inbox then ignores the second).
 */
export async function replayDeadLetters(
  url: string,
  queue: string,
  select: { all: true } | { ids: string[] },
): Promise<DeadLetter[]> {
  const wanted = "ids" in select ? new Set(select.ids) : undefined;
  const moved: DeadLetter[] = [];
  await sweep(url, queue, async (message, send) => {
    const letter = describe(message);
    if (wanted && !wanted.has(letter.eventId)) return false;
    const headers = { ...(message.properties.headers ?? {}) };
    for (const name of [HEADERS.attempts, HEADERS.reason, HEADERS.kind, HEADERS.deadLetteredAt]) {
      delete headers[name];
    }
    headers["x-replayed-at"] = new Date().toISOString();
    await send(queue, headers);
    moved.push(letter);
    return true;
  });
  return moved;
}
