import { lt } from "drizzle-orm";
import type { Database } from "../db.ts";
import type { Logger } from "../logger.ts";
import type { ServiceTask } from "../service/definition.ts";
import { inbox } from "./table.ts";

/** Rows deleted per statement, so pruning never holds many locks at once. */
const BATCH = 1000;

/**
 * Deletes inbox rows processed before `cutoff`, in batches; returns how many went. A row must
 * outlive every redelivery of its event, which the outbox's retention bounds: a relay only
 * re-publishes rows it has not marked, and marked rows are pruned after OUTBOX_RETENTION_SECONDS.
 */
export async function pruneInbox<S extends Record<string, unknown>>(
  db: Database<S>,
  cutoff: Date,
): Promise<number> {
  let total = 0;
  for (;;) {
    const [result] = await db.delete(inbox).where(lt(inbox.processedAt, cutoff)).limit(BATCH);
    total += result.affectedRows;
    if (result.affectedRows < BATCH) return total;
  }
}

/** The periodic task of a consuming service: prunes rows older than `retentionSeconds`. */
export const inboxPruneTask = <S extends Record<string, unknown>>(
  db: Database<S>,
  options: {
    retentionSeconds: number;
    clock: () => Date;
    logger: Logger;
    intervalSeconds?: number;
  },
): ServiceTask => ({
  name: "inbox-prune",
  intervalSeconds: options.intervalSeconds ?? 3600,
  async run() {
    const cutoff = new Date(options.clock().getTime() - options.retentionSeconds * 1000);
    const pruned = await pruneInbox(db, cutoff);
    if (pruned > 0) options.logger.info({ pruned }, "inbox pruned");
  },
});
