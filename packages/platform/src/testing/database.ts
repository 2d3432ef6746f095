import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mysql from "mysql2/promise";
import {
  createPool,
  ensureDatabase,
  migrateDatabase,
  migrateFrom,
  migrationsFolder,
} from "../db.ts";

/** The server tests run against; `.ci/run` and `npm test` make sure it answers. */
export const testServerUrl =
  process.env.TEST_DATABASE_URL ?? "mysql://hangout:hangout@127.0.0.1:3306";

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * A throwaway database with a service's migrations applied (or empty, without a service), on the
 * real server. Each test file gets its own, so files never see each other's rows and can run in
 * any order.
 */
export async function createTestDatabase(service?: string): Promise<TestDatabase> {
  const name = `test_${service ?? "empty"}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const url = `${testServerUrl.replace(/\/$/, "")}/${name}`;
  if (service) await migrateDatabase(url, service);
  else await ensureDatabase(url);
  return {
    name,
    url,
    async drop() {
      const connection = await mysql.createConnection({ uri: testServerUrl });
      try {
        await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await connection.end();
      }
    },
  };
}

/**
 * A throwaway database holding `tables` (Drizzle table definitions) exactly as `bun run
 * db:generate` would create them, and a pool on it: for platform parts whose tables a service
 * re-exports (the outbox, the inbox). `drop` ends the pool and drops the database.
 */
export async function createTestDatabaseWith(
  tables: Record<string, unknown>,
): Promise<TestDatabase & { pool: mysql.Pool }> {
  const database = await createTestDatabase();
  const pool = createPool(database.url);
  const { generateMySQLDrizzleJson, generateMySQLMigration } = await import("drizzle-kit/api");
  const statements = await generateMySQLMigration(
    await generateMySQLDrizzleJson({}),
    await generateMySQLDrizzleJson(tables),
  );
  for (const statement of statements) await pool.query(statement);
  return {
    ...database,
    pool,
    async drop() {
      await pool.end();
      await database.drop();
    },
  };
}

/**
 * Applies a service's migrations up to and including the one tagged `lastTag` (its file name
 * without `.sql`), from a copy of the folder whose journal ends there: a data migration's test
 * writes the rows of the schema before it, then runs `migrateDatabase` for the rest.
 */
export async function migrateThrough(url: string, service: string, lastTag: string) {
  const copy = await mkdtemp(join(tmpdir(), `migrations-${service}-`));
  try {
    await cp(migrationsFolder(service), copy, { recursive: true });
    const journalPath = join(copy, "meta", "_journal.json");
    const journal = JSON.parse(await readFile(journalPath, "utf8")) as {
      entries: { tag: string }[];
    };
    const last = journal.entries.findIndex((entry) => entry.tag === lastTag);
    if (last < 0) throw new Error(`no migration ${lastTag} in migrations/${service}`);
    journal.entries = journal.entries.slice(0, last + 1);
    await writeFile(journalPath, JSON.stringify(journal));
    await migrateFrom(url, copy);
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
}
