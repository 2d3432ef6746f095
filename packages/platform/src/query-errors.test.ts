import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { char, mysqlTable, varchar } from "drizzle-orm/mysql-core";
import type mysql from "mysql2/promise";
import { createDatabase, createPool, type Database, mysqlErrorCode } from "./db.ts";
import { createHotSql } from "./hot-sql.ts";
import { createLogger } from "./logger.ts";
import { dbSpan } from "./telemetry.ts";
import { createTestDatabase, type TestDatabase } from "./testing/database.ts";

const SECRET = "alice-7f3a9c@example.com";
const accounts = mysqlTable("accounts", {
  id: char("id", { length: 36 }).primaryKey(),
  email: varchar("email", { length: 100 }).notNull().unique(),
});

let database: TestDatabase;
let pool: mysql.Pool;
let db: Database<Record<string, never>>;

beforeAll(async () => {
  database = await createTestDatabase();
  pool = createPool(database.url);
  db = createDatabase(pool, {});
  await pool.query(
    "CREATE TABLE accounts (id CHAR(36) PRIMARY KEY, email VARCHAR(100) NOT NULL UNIQUE)",
  );
  await db.insert(accounts).values({ id: "1", email: SECRET });
});
afterAll(async () => {
  await pool.end();
  await database.drop();
});

/** What the service's error log line would hold for this error. */
function logged(error: unknown) {
  const lines: string[] = [];
  const logger = createLogger({
    service: "test",
    level: "info",
    destination: { write: (line: string) => void lines.push(line) },
  });
  logger.error({ err: error }, "unhandled error");
  return lines.join("\n");
}

const duplicate = () => db.insert(accounts).values({ id: "2", email: SECRET });

describe("a failed statement's values stay out of errors", () => {
  test("without the repository boundary, Drizzle and mysql2 put them in the error", async () => {
    const error = await duplicate().catch((e: unknown) => e);
    expect(logged(error)).toContain(SECRET);
  });

  test("past dbSpan the error keeps its statement and code but not the values", async () => {
    const error = await dbSpan("INSERT", "accounts", () => duplicate()).catch((e: unknown) => e);
    expect(mysqlErrorCode(error)).toBe("ER_DUP_ENTRY");
    const line = logged(error);
    expect(line).not.toContain(SECRET);
    expect(line).not.toContain("alice");
    expect(line).toContain("Failed query: insert into `accounts`");
    expect(line).toContain("ER_DUP_ENTRY");
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain("alice");
  });

  test("a driver error with the values inlined in its SQL loses them too", async () => {
    const error = await dbSpan("INSERT", "accounts", () =>
      pool.query("INSERT INTO accounts (id, email) VALUES (?, ?)", ["3", SECRET]),
    ).catch((e: unknown) => e);
    expect(mysqlErrorCode(error)).toBe("ER_DUP_ENTRY");
    expect(logged(error)).not.toContain("alice");
    expect((error as { sql?: string }).sql).toBeUndefined();
  });

  test("Bun's client, used for hot statements, loses them too", async () => {
    const hot = createHotSql(database.url, { connections: 1 });
    try {
      const insert = () =>
        hot.unsafe("INSERT INTO accounts (id, email) VALUES (?, ?)", ["4", SECRET]);
      expect(String(await insert().catch((e: unknown) => e))).toContain("alice");
      const error = await dbSpan("INSERT", "accounts", insert).catch((e: unknown) => e);
      expect((error as { errno?: number }).errno).toBe(1062);
      expect(logged(error)).not.toContain("alice");
      expect(logged(error)).toContain("errno 1062");
    } finally {
      await hot.close();
    }
  });
});
