import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createDatabase, createPool, mysqlErrorCode } from "@hangout/platform/db";
import { createHotSql, type HotSql } from "@hangout/platform/hot-sql";
import { createTestDatabase, type TestDatabase } from "@hangout/platform/testing/database";
import { storedRows, testInsertAgainstDrizzle } from "@hangout/platform/testing/drizzle-oracle";
import type { HangoutDatabase } from "../db/index.ts";
import { hangouts, memories, schema } from "../db/schema.ts";
import { createMemoriesRepository, type NewMemoryRow } from "./memories.ts";

let database: TestDatabase;
let pool: ReturnType<typeof createPool>;
let hot: HotSql;
let db: HangoutDatabase;
let repo: ReturnType<typeof createMemoriesRepository>;
const hangoutId = Bun.randomUUIDv7();

beforeAll(async () => {
  database = await createTestDatabase("hangout");
  pool = createPool(database.url);
  db = createDatabase(pool, schema);
  hot = createHotSql(database.url, { connections: 2 });
  repo = createMemoriesRepository(db, hot);
  const at = new Date("2026-01-01T00:00:00.000Z");
  await db.insert(hangouts).values({
    id: hangoutId,
    ownerId: Bun.randomUUIDv7(),
    title: "Beach day",
    startsAt: at,
    status: "planning",
    memberCount: 1,
    createdAt: at,
    updatedAt: at,
  });
});

afterAll(async () => {
  await hot.close();
  await pool.end();
  await database.drop();
});

/**
 * Rows that set every column (`Required`: a column added to the table fails to compile here until
 * the rows set it, and then the comparison with Drizzle shows whether the INSERT writes it), with
 * `confirmed_at` and the photo's outcome set, null or left out, non-ASCII names, and instants at
 * a year's edge.
 */
const batch = (count: number): NewMemoryRow[] =>
  Array.from({ length: count }, (_, i) => {
    const row: Required<NewMemoryRow> = {
      id: Bun.randomUUIDv7(),
      hangoutId,
      fileId: Bun.randomUUIDv7(),
      uploadedBy: Bun.randomUUIDv7(),
      filename: i % 2 ? `Zoë 🎉 'quoted' \\ back ${i}.jpg` : `plain-${i}.png`,
      contentType: i % 2 ? "image/jpeg" : "image/png",
      size: 1 + i * 1_000_003,
      status: i % 3 ? "pending" : "confirmed",
      createdAt: new Date(Date.UTC(1999, 11, 31, 23, 59, 59, 999) + i),
      confirmedAt: i % 3 === 0 ? new Date(Date.UTC(2000, 0, 1) + i) : null,
      photoStatus: (["processing", "ready", "failed"] as const)[i % 3] ?? "processing",
      failureReason: i % 3 === 2 ? "infected" : null,
      width: i % 3 === 1 ? 4032 + i : null,
      height: i % 3 === 1 ? 3024 : null,
      placeholder: i % 3 === 1 ? `1QcSHQRnh493V4dIh4eXh1h4kJUI+${i}`.slice(0, 64) : null,
      processedAt: i % 3 ? new Date(Date.UTC(2000, 0, 2) + i) : null,
    };
    // Left out must store NULL too, as Drizzle's insert does.
    if (i % 3 === 2) {
      const { confirmedAt: _, width: _w, height: _h, placeholder: _p, ...leftOut } = row;
      return leftOut;
    }
    return row;
  });

const stored = (ids: string[]) => storedRows(db, memories, memories.id, ids);

// docs/decisions/0002-hot-queries.md, 0021-hot-statements-on-bun-sql.md: the batch INSERT is
// hand-written SQL on Bun's client, and must store exactly what Drizzle's insert of the same rows
// stores.
describe("insertMany (the upload batch)", () => {
  testInsertAgainstDrizzle(memories, () => ({
    db,
    batch,
    insert: (rows) => repo.insertMany(rows),
  }));

  test("covers what it claims: a name with emoji, NULL and set confirmed_at", async () => {
    const rows = batch(10);
    await repo.insertMany(rows);
    const ours = await stored(rows.map((row) => row.id));
    expect(ours.find((row) => row.id === rows[0]?.id)?.createdAt.toISOString()).toBe(
      "1999-12-31T23:59:59.999Z",
    );
    expect(ours.map((row) => row.filename)).toContain("Zoë 🎉 'quoted' \\ back 1.jpg");
    expect(ours.filter((row) => row.confirmedAt === null)).toHaveLength(6);
    expect(ours.find((row) => row.id === rows[3]?.id)?.confirmedAt?.toISOString()).toBe(
      "2000-01-01T00:00:00.003Z",
    );
  });

  test("one batch is one statement: a failing row leaves none of the batch behind", async () => {
    const [first, ...rest] = batch(3) as [NewMemoryRow, ...NewMemoryRow[]];
    await repo.insertMany([first]);
    const error = await repo.insertMany([...rest, first]).catch((e: unknown) => e);
    // Bun's client gives every server error one code; mysqlErrorCode names it from the errno.
    expect(error).toMatchObject({ errno: 1062, sqlState: "23000" });
    expect(mysqlErrorCode(error)).toBe("ER_DUP_ENTRY");
    expect(await stored(rest.map((row) => row.id))).toEqual([]);
  });

  test("binds dates as UTC whatever the process's time zone", async () => {
    const rows = batch(1);
    const zone = process.env.TZ;
    process.env.TZ = "Pacific/Chatham";
    try {
      expect(new Date(0).getTimezoneOffset()).not.toBe(0);
      await repo.insertMany(rows);
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
    const [row] = await stored(rows.map((r) => r.id));
    expect(row?.createdAt.toISOString()).toBe("1999-12-31T23:59:59.999Z");
  });
});
