import { afterAll, beforeAll, expect, test } from "bun:test";
import { migrateDatabase } from "@hangout/platform/db";
import {
  createTestDatabase,
  migrateThrough,
  type TestDatabase,
} from "@hangout/platform/testing/database";
import mysql from "mysql2/promise";

// The data migrations of migrations/hangout, each run over rows written as the schema before it
// stood: what a database that was already in use goes through.

let database: TestDatabase;
let connection: mysql.Connection;

beforeAll(async () => {
  database = await createTestDatabase();
  await migrateThrough(database.url, "hangout", "0007_member_starts_at");
  connection = await mysql.createConnection({ uri: database.url });
});

afterAll(async () => {
  await connection.end();
  await database.drop();
});

test("0008 gives every membership its hangout's start, before 0009 makes it required", async () => {
  const hangouts = [
    { id: Bun.randomUUIDv7(), startsAt: "2030-01-02 03:04:05.678" },
    { id: Bun.randomUUIDv7(), startsAt: "2029-12-31 23:59:59.999" },
  ];
  const users = [Bun.randomUUIDv7(), Bun.randomUUIDv7()];
  for (const hangout of hangouts) {
    await connection.query(
      `INSERT INTO hangouts (id, owner_id, title, starts_at, status, member_count, created_at, updated_at)
       VALUES (?, ?, 'before 0008', ?, 'planning', 2, NOW(3), NOW(3))`,
      [hangout.id, users[0], hangout.startsAt],
    );
    for (const [i, user] of users.entries()) {
      await connection.query(
        `INSERT INTO members (hangout_id, user_id, role, rsvp, joined_at)
         VALUES (?, ?, ?, 'pending', NOW(3))`,
        [hangout.id, user, i === 0 ? "owner" : "member"],
      );
    }
  }

  await migrateDatabase(database.url, "hangout");

  const [rows] = await connection.query<mysql.RowDataPacket[]>(
    `SELECT m.hangout_id, DATE_FORMAT(m.starts_at, '%Y-%m-%d %H:%i:%s.%f') AS starts_at,
            c.IS_NULLABLE AS nullable
     FROM members m
     JOIN information_schema.COLUMNS c
       ON c.TABLE_SCHEMA = DATABASE() AND c.TABLE_NAME = 'members' AND c.COLUMN_NAME = 'starts_at'
     ORDER BY m.hangout_id, m.user_id`,
  );
  const expected = hangouts
    .toSorted((a, b) => a.id.localeCompare(b.id))
    .flatMap((hangout) =>
      users.map(() => ({
        hangout_id: hangout.id,
        starts_at: `${hangout.startsAt}000`,
        nullable: "NO",
      })),
    );
  expect(rows.map((row) => ({ ...row }) as Record<string, unknown>)).toEqual(expected);
});
