import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import type mysql from "mysql2/promise";
import {
  createDatabase,
  createPool,
  type Database,
  mysqlErrorCode,
  PREPARED_STATEMENTS_PER_CONNECTION,
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

describe("createPool", () => {
  /**
   * Statements the one connection of `single` holds open on the server: its session's own
   * counters (the server-wide count moves with every other test's statements).
   */
  const openStatements = async (single: ReturnType<typeof createPool>) => {
    const [rows] = await single.query(
      "SHOW SESSION STATUS WHERE Variable_name IN ('Com_stmt_prepare', 'Com_stmt_close')",
    );
    const count = (name: string) =>
      Number(
        (rows as { Variable_name: string; Value: string }[]).find((r) => r.Variable_name === name)
          ?.Value,
      );
    return count("Com_stmt_prepare") - count("Com_stmt_close");
  };

  test(`a connection keeps at most ${PREPARED_STATEMENTS_PER_CONNECTION} prepared statements, closing the least used`, async () => {
    const one = createPool(database.url, { connectionLimit: 1 });
    try {
      const before = await openStatements(one);
      const distinct = PREPARED_STATEMENTS_PER_CONNECTION + 44;
      for (let i = 0; i < distinct; i++) {
        const [rows] = await one.execute(`SELECT ? + ${i} AS n`, [1]);
        expect((rows as { n: number }[])[0]?.n).toBe(1 + i);
      }
      expect((await openStatements(one)) - before).toBe(PREPARED_STATEMENTS_PER_CONNECTION);
      // The first statement was closed; running it again prepares it again.
      const [again] = await one.execute("SELECT ? + 0 AS n", [41]);
      expect((again as { n: number }[])[0]?.n).toBe(41);
    } finally {
      await one.end();
    }
  });
});
