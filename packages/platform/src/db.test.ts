import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq, sql } from "drizzle-orm";
import {
  boolean,
  char,
  datetime,
  double,
  int,
  json,
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
  preparedInsert,
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

describe("preparedInsert", () => {
  const table = (name: string) =>
    mysqlTable(name, {
      id: int("id").primaryKey(),
      name: varchar("name", { length: 100 }).notNull(),
      notes: text("notes"),
      kind: mysqlEnum("kind", ["a", "b"]).notNull(),
      at: datetime("at", { mode: "date", fsp: 3 }).notNull(),
      maybeAt: datetime("maybe_at", { mode: "date", fsp: 3 }),
      data: json("data"),
      flag: boolean("flag"),
    });
  const copies = table("copies");
  const byDrizzle = table("copies_by_drizzle");
  const create = (name: string) =>
    pool.query(
      `CREATE TABLE ${name} (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL, notes TEXT,
       kind ENUM('a','b') NOT NULL, at DATETIME(3) NOT NULL, maybe_at DATETIME(3), data JSON,
       flag BOOLEAN)`,
    );
  const rows = (from: number, count: number) =>
    Array.from({ length: count }, (_, i) => ({
      id: from + i,
      name: i % 2 ? "Zoë 🎉 'quoted' \\ back" : "plain",
      notes: i % 3 ? null : "line\nbreak",
      kind: (i % 2 ? "a" : "b") as "a" | "b",
      at: new Date(Date.UTC(2031, 1, 3, 4, 5, 6, 789) + i),
      // Both need the column's mapping (a Date to text, an object to JSON), and null must stay NULL.
      maybeAt: i % 2 ? null : new Date(Date.UTC(1999, 11, 31, 23, 59, 59, 999)),
      data: i % 3 === 1 ? null : { n: i, tags: ["x", "y"] },
      flag: i % 2 === 0,
    }));

  beforeAll(async () => {
    await create("copies");
    await create("copies_by_drizzle");
  });

  test("stores exactly what Drizzle's own insert stores, for every batch size", async () => {
    const insert = preparedInsert(db, copies);
    let next = 1;
    for (const count of [1, 10, 3, 10, 1]) {
      const batch = rows(next, count);
      next += count;
      await insert(batch);
      await db.insert(byDrizzle).values(batch);
    }
    const ours = await db.select().from(copies).orderBy(copies.id);
    expect(ours).toHaveLength(25);
    expect(ours).toEqual(await db.select().from(byDrizzle).orderBy(byDrizzle.id));
    expect(ours[2]?.name).toBe("Zoë 🎉 'quoted' \\ back");
    expect(ours[0]?.at.toISOString()).toBe("2031-02-03T04:05:06.789Z");
    expect(ours[0]?.data).toEqual({ n: 0, tags: ["x", "y"] });
    expect(ours.filter((row) => row.maybeAt === null && row.data === null).length).toBeGreaterThan(
      0,
    );
  });

  test("one batch is one statement: a failing row leaves none of the batch behind", async () => {
    const insert = preparedInsert(db, copies);
    const batch = rows(100, 3);
    await insert([batch[0]!]);
    const error = await insert([batch[1]!, batch[2]!, batch[0]!]).catch((e: unknown) => e);
    expect(mysqlErrorCode(error)).toBe("ER_DUP_ENTRY");
    const [found] = await pool.query("SELECT id FROM copies WHERE id >= 100");
    expect(found as unknown[]).toEqual([{ id: 100 }]);
  });

  test("refuses rows that set different columns or leave one undefined", async () => {
    const insert = preparedInsert(db, copies);
    const [a, b] = rows(200, 2) as [
      ReturnType<typeof rows>[number],
      ReturnType<typeof rows>[number],
    ];
    const { flag: _, ...withoutFlag } = b;
    await expect(insert([a, withoutFlag])).rejects.toThrow(/every row must set/);
    await expect(insert([a, { ...b, notes: undefined }])).rejects.toThrow(/every row must set/);
    await expect(insert([])).rejects.toThrow(/no rows/);
    const { id, ...rest } = a;
    await expect(insert([a, { ...rest, id: 300 } as typeof a])).rejects.toThrow(
      /every row must set/,
    );
  });

  test("refuses to freeze a generated default: such a column must be set in every row", async () => {
    const stamped = mysqlTable("stamped", {
      id: int("id").primaryKey(),
      token: varchar("token", { length: 36 }).$defaultFn(() => crypto.randomUUID()),
    });
    await pool.query("CREATE TABLE stamped (id INT PRIMARY KEY, token VARCHAR(36))");
    const insert = preparedInsert(db, stamped);
    await expect(insert([{ id: 1 }])).rejects.toThrow(/token has a generated default/);
    await insert([{ id: 1, token: "given" }]);
    expect(await db.select().from(stamped)).toEqual([{ id: 1, token: "given" }]);
  });
});
