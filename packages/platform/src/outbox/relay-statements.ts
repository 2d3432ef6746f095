import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from "mysql2/promise";

/** An outbox row claimed for publication. */
export interface ClaimedRow {
  seq: number;
  eventId: string;
  aggregateId: string;
  type: string;
  payload: string;
  traceparent: string | null;
  createdAt: Date;
}

/**
 * Runs `work` in a READ COMMITTED transaction on a connection of its own. READ COMMITTED takes no
 * gap locks, so the relay's locking reads and deletes never make a producer's INSERT wait, and
 * every plain read sees the latest commits (the order check relies on it).
 * A failed rollback destroys the connection rather than return it to the pool mid-transaction.
 */
export async function inReadCommitted<T>(
  pool: Pool,
  work: (connection: PoolConnection) => Promise<T>,
): Promise<T> {
  const connection = await pool.getConnection();
  let reusable = false;
  try {
    await connection.query("SET TRANSACTION ISOLATION LEVEL READ COMMITTED");
    await connection.query("START TRANSACTION");
    let result: T;
    try {
      result = await work(connection);
    } catch (error) {
      await connection.query("ROLLBACK").then(
        () => {
          reusable = true;
        },
        () => undefined,
      );
      throw error;
    }
    await connection.query("COMMIT");
    reusable = true;
    return result;
  } finally {
    if (reusable) connection.release();
    else connection.destroy();
  }
}

// Rows another relay holds are skipped, not waited for: several relays claim disjoint sets.
// The index is forced: statistics of a mostly-NULL column led the optimizer to walk the primary
// key instead, through every published row kept for the retention period.
const CLAIM = `SELECT seq, event_id, aggregate_id, type, payload, traceparent, created_at
  FROM outbox FORCE INDEX (outbox_pending_idx)
  WHERE published_at IS NULL ORDER BY seq LIMIT ? FOR UPDATE SKIP LOCKED`;

/** Locks up to `limit` unpublished rows, oldest first, skipping rows other relays hold. */
export async function claim(connection: PoolConnection, limit: number): Promise<ClaimedRow[]> {
  const [rows] = await connection.query<RowDataPacket[]>(CLAIM, [limit]);
  return rows.map((row) => ({
    seq: Number(row.seq),
    eventId: row.event_id,
    aggregateId: row.aggregate_id,
    type: row.type,
    payload: row.payload,
    traceparent: row.traceparent,
    createdAt: row.created_at,
  }));
}

// A plain read, so it also sees rows other relays hold (unpublished until they commit).
const PENDING = `SELECT aggregate_id, seq FROM outbox
  WHERE aggregate_id IN (?) AND published_at IS NULL AND seq <= ? ORDER BY aggregate_id, seq`;

/**
 * The claimed rows that may be published now, in seq order: for each aggregate, its claimed rows
 * up to the first unpublished row of that aggregate this relay does not hold. Publishing past
 * that row could overtake it, since another relay may be publishing it at this moment.
 */
export async function publishable(
  connection: PoolConnection,
  claimed: ClaimedRow[],
): Promise<ClaimedRow[]> {
  if (claimed.length === 0) return [];
  const bySeq = new Map(claimed.map((row) => [row.seq, row]));
  const aggregates = [...new Set(claimed.map((row) => row.aggregateId))];
  const last = Math.max(...bySeq.keys());
  const [pending] = await connection.query<RowDataPacket[]>(PENDING, [aggregates, last]);
  const blocked = new Set<string>();
  const ready: ClaimedRow[] = [];
  for (const { aggregate_id: aggregate, seq } of pending) {
    if (blocked.has(aggregate)) continue;
    const row = bySeq.get(Number(seq));
    if (row) ready.push(row);
    else blocked.add(aggregate);
  }
  return ready.sort((a, b) => a.seq - b.seq);
}

export async function markPublished(connection: PoolConnection, seqs: number[], at: Date) {
  if (seqs.length === 0) return;
  await connection.query("UPDATE outbox SET published_at = ? WHERE seq IN (?)", [at, seqs]);
}

const PRUNE = "DELETE FROM outbox WHERE published_at < ? ORDER BY published_at LIMIT ?";

/**
 * Deletes rows published before `cutoff`, `chunk` rows per transaction so no delete holds many
 * locks for long. Unpublished rows are never touched, however old. Returns how many went.
 */
export async function prunePublished(pool: Pool, cutoff: Date, chunk = 1000): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await inReadCommitted(pool, async (connection) => {
      const [result] = await connection.query<ResultSetHeader>(PRUNE, [cutoff, chunk]);
      return result.affectedRows;
    });
    total += deleted;
    if (deleted < chunk) return total;
  }
}

// The count reads the index alone; the oldest is the first in publication order, one row away,
// so a long outage's backlog does not cost a lookup per row on every scrape.
const BACKLOG = `SELECT
  (SELECT COUNT(*) FROM outbox FORCE INDEX (outbox_pending_idx) WHERE published_at IS NULL)
    AS backlog,
  (SELECT created_at FROM outbox FORCE INDEX (outbox_pending_idx) WHERE published_at IS NULL
    ORDER BY seq LIMIT 1) AS oldest`;

/** How many events wait for publication, and when the next one to go out happened. */
export async function backlog(pool: Pool): Promise<{ count: number; oldest: Date | null }> {
  const [[row]] = await pool.query<RowDataPacket[]>(BACKLOG);
  return { count: Number(row?.backlog ?? 0), oldest: row?.oldest ?? null };
}
