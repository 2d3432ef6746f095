import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createDatabase, createPool, mysqlErrorCode } from "@hangout/platform/db";
import { createHotSql, type HotSql } from "@hangout/platform/hot-sql";
import { createTestDatabase, type TestDatabase } from "@hangout/platform/testing/database";
import { storedRows, testInsertAgainstDrizzle } from "@hangout/platform/testing/drizzle-oracle";
import type { FileDatabase } from "../db/index.ts";
import { files, schema } from "../db/schema.ts";
import { createFilesRepository, type NewFileRow } from "./files.ts";

let database: TestDatabase;
let pool: ReturnType<typeof createPool>;
let hot: HotSql;
let db: FileDatabase;
let repo: ReturnType<typeof createFilesRepository>;

beforeAll(async () => {
  database = await createTestDatabase("file");
  pool = createPool(database.url);
  db = createDatabase(pool, schema);
  hot = createHotSql(database.url, { connections: 2 });
  repo = createFilesRepository(db, hot);
});

afterAll(async () => {
  await hot.close();
  await pool.end();
  await database.drop();
});

/**
 * Rows that set every column (`Required`: a column added to the table fails to compile here until
 * the rows set it, and then the comparison with Drizzle shows whether the INSERT writes it), with
 * `uploaded_at` set, null or left out, non-ASCII names, and instants at a year's edge.
 */
const batch = (count: number): NewFileRow[] =>
  Array.from({ length: count }, (_, i) => {
    const id = Bun.randomUUIDv7();
    const row: Required<NewFileRow> = {
      id,
      objectKey: `files/${id}`,
      ownerRef: `memory:${Bun.randomUUIDv7()}`,
      filename: i % 2 ? `Zoë 🎉 'quoted' \\ back ${i}.jpg` : `plain-${i}.png`,
      contentType: i % 2 ? "image/jpeg" : "image/png",
      size: 1 + i * 1_000_003,
      sha256: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
      status: i % 3 ? "PENDING" : "UPLOADED",
      expiresAt: new Date(Date.UTC(2000, 0, 1, 0, 15) + i),
      createdAt: new Date(Date.UTC(1999, 11, 31, 23, 59, 59, 999) + i),
      uploadedAt: i % 3 === 0 ? new Date(Date.UTC(2000, 0, 1) + i) : null,
      claimedAt: i === 4 ? new Date(Date.UTC(2000, 0, 2)) : null,
    };
    // Left out must store NULL too, as Drizzle's insert does.
    if (i % 3 === 2) {
      const { uploadedAt: _, ...leftOut } = row;
      return leftOut;
    }
    return row;
  });

const stored = (ids: string[]) => storedRows(db, files, files.id, ids);

// docs/decisions/0002-hot-queries.md, 0021-hot-statements-on-bun-sql.md: the batch INSERT is
// hand-written SQL on Bun's client, and must store exactly what Drizzle's insert of the same rows
// stores.
describe("insertMany (the upload intents)", () => {
  testInsertAgainstDrizzle(files, () => ({ db, batch, insert: (rows) => repo.insertMany(rows) }));

  test("covers what it claims: a name with emoji, NULL and set timestamps", async () => {
    const rows = batch(10);
    await repo.insertMany(rows);
    const ours = await stored(rows.map((row) => row.id));
    expect(ours.find((row) => row.id === rows[0]?.id)?.createdAt.toISOString()).toBe(
      "1999-12-31T23:59:59.999Z",
    );
    expect(ours.map((row) => row.filename)).toContain("Zoë 🎉 'quoted' \\ back 1.jpg");
    expect(ours.filter((row) => row.uploadedAt === null)).toHaveLength(6);
    expect(ours.filter((row) => row.claimedAt !== null)).toHaveLength(1);
    expect(ours.find((row) => row.id === rows[3]?.id)?.uploadedAt?.toISOString()).toBe(
      "2000-01-01T00:00:00.003Z",
    );
  });

  test("one batch is one statement: a failing row leaves none of the batch behind", async () => {
    const [first, ...rest] = batch(3) as [NewFileRow, ...NewFileRow[]];
    await repo.insertMany([first]);
    const error = await repo.insertMany([...rest, first]).catch((e: unknown) => e);
    // Bun's client gives every server error one code; mysqlErrorCode names it from the errno.
    expect(error).toMatchObject({ errno: 1062, sqlState: "23000" });
    expect(mysqlErrorCode(error)).toBe("ER_DUP_ENTRY");
    expect(await stored(rest.map((row) => row.id))).toEqual([]);
  });
});
