import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq, sql } from "drizzle-orm";
import {
  boolean,
  char,
  datetime,
  double,
  int,
  mysqlEnum,
  mysqlTable,
  text,
  varchar,
} from "drizzle-orm/mysql-core";
import type mysql from "mysql2/promise";
import {
  createDatabase,
  createPool,
  type Database,
  fastSelect,
  mysqlErrorCode,
  runTransaction,
} from "./db.ts";
import { createTestDatabase, type TestDatabase } from "./testing/database.ts";

let database: TestDatabase;
let pool: mysql.Pool;
let db: Database<Record<string, never>>;

beforeAll(async () => {
  database = await createTestDatabase();
  pool = createPool(database.url);
  db = createDatabase(pool, {});
  await pool.query("CREATE TABLE counters (id INT PRIMARY KEY, n INT NOT NULL) ENGINE=InnoDB");
});
afterAll(async () => {
  await pool.end();
  await database.drop();
});

const counts = async () => {
  const [rows] = await pool.query("SELECT id, n FROM counters ORDER BY id");
  return (rows as { id: number; n: number }[]).map((row) => row.n);
};

/**
 * Two transactions that each increment rows 1 and 2, in opposite orders, and wait for each
 * other after their first row on the first attempt: a real InnoDB deadlock, every time.
 */
async function crossedIncrements(attempts: number) {
  await pool.query("DELETE FROM counters");
  await pool.query("INSERT INTO counters VALUES (1, 0), (2, 0)");
  const runs = [0, 0];
  let arrived = 0;
  let release = () => {};
  const bothHoldOneRow = new Promise<void>((resolve) => {
    release = resolve;
  });
  const increment = (side: 0 | 1, order: [number, number]) =>
    runTransaction(
      db,
      async (tx) => {
        runs[side] = (runs[side] ?? 0) + 1;
        await tx.execute(sql`UPDATE counters SET n = n + 1 WHERE id = ${order[0]}`);
        if (runs[side] === 1) {
          if (++arrived === 2) release();
          await bothHoldOneRow;
        }
        await tx.execute(sql`UPDATE counters SET n = n + 1 WHERE id = ${order[1]}`);
      },
      { attempts },
    );
  const results = await Promise.allSettled([increment(0, [1, 2]), increment(1, [2, 1])]);
  return { results, runs };
}

describe("runTransaction", () => {
  test("the deadlock victim is rolled back and run again; both transactions land once", async () => {
    const { results, runs } = await crossedIncrements(4);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled"]);
    expect(runs.toSorted()).toEqual([1, 2]);
    expect(await counts()).toEqual([2, 2]);
  });

  test("with one attempt the deadlock reaches the caller and its writes are gone", async () => {
    const { results, runs } = await crossedIncrements(1);
    const rejected = results.filter((r) => r.status === "rejected");
    expect(rejected).toHaveLength(1);
    expect(mysqlErrorCode((rejected[0] as PromiseRejectedResult).reason)).toBe("ER_LOCK_DEADLOCK");
    expect(runs).toEqual([1, 1]);
    expect(await counts()).toEqual([1, 1]);
  });

  test("other errors are not retried", async () => {
    await pool.query("INSERT IGNORE INTO counters VALUES (1, 0)");
    let runs = 0;
    const attempt = runTransaction(db, async (tx) => {
      runs++;
      await tx.execute(sql`INSERT INTO counters VALUES (1, 0)`);
    });
    await expect(attempt).rejects.toThrow();
    expect(runs).toBe(1);
  });
});

const things = mysqlTable("things", {
  id: char("id", { length: 36 }).primaryKey(),
  name: varchar("name", { length: 100 }).notNull(),
  notes: text("notes"),
  score: double("score"),
  count: int("count").notNull(),
  kind: mysqlEnum("kind", ["a", "b"]).notNull(),
  at: datetime("at", { mode: "date", fsp: 3 }).notNull(),
  maybeAt: datetime("maybe_at", { mode: "date", fsp: 3 }),
  flag: boolean("flag"),
});

describe("fastSelect", () => {
  beforeAll(async () => {
    await pool.query(
      `CREATE TABLE things (id CHAR(36) PRIMARY KEY, name VARCHAR(100) NOT NULL, notes TEXT,
       score DOUBLE, count INT NOT NULL, kind ENUM('a','b') NOT NULL, at DATETIME(3) NOT NULL,
       maybe_at DATETIME(3), flag BOOLEAN)`,
    );
    await db.insert(things).values([
      {
        id: "1",
        name: "Zoë 🎉",
        notes: "line\nbreak",
        score: 48.8566,
        count: 3,
        kind: "b",
        at: new Date("2031-02-03T04:05:06.789Z"),
        maybeAt: new Date("1999-12-31T23:59:59.999Z"),
      },
      {
        id: "2",
        name: "plain",
        notes: null,
        score: null,
        count: 0,
        kind: "a",
        at: new Date("2030-06-01T10:00:00.000Z"),
        maybeAt: null,
      },
    ]);
  });

  test("gives exactly the rows Drizzle gives, nested like the selection", async () => {
    const selection = {
      thing: { id: things.id, name: things.name, notes: things.notes, score: things.score },
      count: things.count,
      kind: things.kind,
      at: things.at,
      maybeAt: things.maybeAt,
    };
    const query = db
      .select(selection)
      .from(things)
      .where(eq(things.id, sql.placeholder("id")));
    const fast = fastSelect<unknown, { id: string }>(db, query, selection);
    for (const id of ["1", "2", "3"]) {
      expect(await fast({ id })).toEqual(await query.prepare().execute({ id }));
    }
    expect(((await fast({ id: "1" }))[0] as { at: Date }).at.toISOString()).toBe(
      "2031-02-03T04:05:06.789Z",
    );
  });

  test("refuses a column Drizzle would map, and a selection that is not the query's", () => {
    const flagged = { flag: things.flag };
    expect(() => fastSelect(db, db.select(flagged).from(things), flagged)).toThrow(/flag/);
    const named = { name: things.name };
    expect(() => fastSelect(db, db.select({ id: things.id }).from(things), named)).toThrow(
      /does not select the given columns/,
    );
  });
});
