import { expect, test } from "bun:test";
import { asc, inArray } from "drizzle-orm";
import type { MySqlColumn, MySqlTable } from "drizzle-orm/mysql-core";
import type { MySql2Database } from "drizzle-orm/mysql2";

// biome-ignore lint/suspicious/noExplicitAny: any service's schema
type AnyDatabase = MySql2Database<any>;

/** The rows of `table` whose `id` is one of `ids`, in id order, as Drizzle reads them. */
export const storedRows = <T extends MySqlTable>(
  db: AnyDatabase,
  table: T,
  id: MySqlColumn,
  ids: string[],
) =>
  db
    .select()
    .from(table as MySqlTable)
    .where(inArray(id, ids))
    .orderBy(asc(id)) as Promise<T["$inferSelect"][]>;

/**
 * The test every hand-written batch INSERT gets (docs/decisions/0002-hot-queries.md): for one row
 * and for ten, what `insert` stored is exactly what Drizzle's own insert of the same rows stores.
 * Call it inside the repository's `describe`; `setup()` gives what `beforeAll` made.
 */
export function testInsertAgainstDrizzle<T extends MySqlTable & { id: MySqlColumn }>(
  table: T,
  setup: () => {
    db: AnyDatabase;
    batch(count: number): (T["$inferInsert"] & { id: string })[];
    insert(rows: T["$inferInsert"][]): Promise<void>;
  },
) {
  for (const count of [1, 10]) {
    test(`stores what Drizzle's insert stores: ${count} row(s)`, async () => {
      const { db, batch, insert } = setup();
      const rows = batch(count);
      const ids = rows.map((row) => row.id);
      await insert(rows);
      const ours = await storedRows(db, table, table.id, ids);
      await db.delete(table).where(inArray(table.id, ids));
      await db.insert(table).values(rows);
      expect(ours).toHaveLength(count);
      expect(ours).toStrictEqual(await storedRows(db, table, table.id, ids));
    });
  }
}
