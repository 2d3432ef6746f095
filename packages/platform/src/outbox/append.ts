import type { MySql2Database } from "drizzle-orm/mysql2";
import type { Connection } from "mysql2/promise";
import { dbSpan } from "../telemetry.ts";
import { outbox } from "./table.ts";
import { currentTraceparent } from "./trace-context.ts";

/**
 * A CloudEvent ready to publish, as the event contracts build it. The outbox reads only the
 * fields below and stores the whole object as JSON.
 */
export interface OutboxEvent {
  readonly id: string;
  /** The routing key. */
  readonly type: string;
  /** The aggregate (a hangout, a user): events of one subject are published in order. */
  readonly subject: string;
  /** RFC 3339; when the change happened. */
  readonly time: string;
  /** CloudEvents' distributed-tracing extension; when absent, the active span's context. */
  readonly traceparent?: string;
  readonly [field: string]: unknown;
}

/** A Drizzle transaction (or database) of any service schema: `runTransaction`'s `tx`. */
// biome-ignore lint/suspicious/noExplicitAny: any service's schema
type DrizzleTransaction = Pick<MySql2Database<any>, "insert">;

/** A mysql2 connection inside a transaction the caller began and will commit. */
type SqlConnection = Pick<Connection, "execute">;

const COLUMNS = "event_id, aggregate_id, type, payload, traceparent, created_at";
const insertSql = (count: number) =>
  `INSERT INTO outbox (${COLUMNS}) VALUES ${Array(count).fill("(?, ?, ?, ?, ?, ?)").join(", ")}`;

/**
 * Writes events into the outbox inside the caller's transaction, the one that writes the state
 * change they describe: both commit or neither does, so an event is never published for a change
 * that was rolled back, nor lost for one that was committed.
 *
 * Order per aggregate is insertion order, which is commit order only when the transactions that
 * write one aggregate's events serialize on it: the transaction must write (or lock) the
 * aggregate's row, as a state change does (docs/decisions/0014-outbox-relay.md).
 */
export async function appendEvents(
  tx: DrizzleTransaction | SqlConnection,
  events: readonly OutboxEvent[],
): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map(toRow);
  await dbSpan("INSERT", "outbox", async () => {
    if ("insert" in tx) {
      await tx.insert(outbox).values(rows);
    } else {
      await tx.execute(
        insertSql(rows.length),
        rows.flatMap((r) => [
          r.eventId,
          r.aggregateId,
          r.type,
          r.payload,
          r.traceparent,
          r.createdAt,
        ]),
      );
    }
  });
}

function toRow(event: OutboxEvent) {
  const createdAt = new Date(event.time);
  if (Number.isNaN(createdAt.getTime())) {
    throw new Error(`event ${event.id}: time must be an RFC 3339 timestamp`);
  }
  if (Buffer.byteLength(event.type) > 255) {
    throw new Error(`event ${event.id}: type must be at most 255 bytes (it is the routing key)`);
  }
  return {
    eventId: event.id,
    aggregateId: event.subject,
    type: event.type,
    payload: JSON.stringify(event),
    traceparent: event.traceparent ?? currentTraceparent() ?? null,
    createdAt,
  };
}
