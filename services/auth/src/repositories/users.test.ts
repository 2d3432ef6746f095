import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createDatabase, createPool } from "@hangout/platform/db";
import { createHotSql, type HotSql } from "@hangout/platform/hot-sql";
import { createTestDatabase, type TestDatabase } from "@hangout/platform/testing/database";
import { eq } from "drizzle-orm";
import type { AuthDatabase } from "../db/index.ts";
import * as schema from "../db/schema.ts";
import { createUsersRepository, type User } from "./users.ts";

let database: TestDatabase;
let pool: ReturnType<typeof createPool>;
let hot: HotSql;
let db: AuthDatabase;
let users: ReturnType<typeof createUsersRepository>;

const user: User = {
  id: Bun.randomUUIDv7(),
  email: "ada@example.com",
  name: "Ada Lovelace",
  passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
  // Milliseconds are stored (DATETIME(3)) and must come back as the same instant.
  createdAt: new Date("2026-01-02T03:04:05.678Z"),
  updatedAt: new Date("2026-03-04T05:06:07.890Z"),
};
const profile = { id: user.id, email: user.email, name: user.name, createdAt: user.createdAt };
// Non-ASCII text, and instants at the edges of a day and a year, where a time-zone slip shows.
const other: User = {
  id: Bun.randomUUIDv7(),
  email: "zoë.ünïcødé@exämple.com",
  name: "Zoë 🎉 'quoted' \\ back",
  passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$w7bDpA$w7zDqA",
  createdAt: new Date("1999-12-31T23:59:59.999Z"),
  updatedAt: new Date("2000-01-01T00:00:00.000Z"),
};

beforeAll(async () => {
  database = await createTestDatabase("auth");
  pool = createPool(database.url);
  db = createDatabase(pool, schema);
  hot = createHotSql(database.url, { connections: 2 });
  users = createUsersRepository(db, hot);
  await users.insert(user);
  await users.insert(other);
});

afterAll(async () => {
  await hot.close();
  await pool.end();
  await database.drop();
});

describe("users repository", () => {
  test("login's lookup by email reads the whole row, password hash included", async () => {
    expect(await users.findByEmail(user.email)).toEqual(user);
    expect(await users.findByEmail("nobody@example.com")).toBeUndefined();
  });

  test("every other lookup reads the profile only, never the password hash", async () => {
    expect(await users.findById(user.id)).toEqual(profile);
    expect(await users.findByIds([user.id, Bun.randomUUIDv7()])).toEqual([profile]);
    expect(await users.findByEmails([user.email])).toEqual([profile]);
    expect(await users.findById(Bun.randomUUIDv7())).toBeUndefined();
  });
});

// The two hot lookups are hand-written SQL (docs/decisions/0002-hot-queries.md): each must
// return exactly what the Drizzle query it stands for returns, so a new column or a type Drizzle
// would convert differently fails here. `users` has no nullable column, so no NULL to cover.
describe("the hand-written lookups return what Drizzle returns", () => {
  const { users: table } = schema;
  const profileColumns = {
    id: table.id,
    email: table.email,
    name: table.name,
    createdAt: table.createdAt,
  };
  const drizzleById = async (id: string) =>
    (await db.select(profileColumns).from(table).where(eq(table.id, id)).limit(1))[0];
  const drizzleByEmail = async (email: string) =>
    (await db.select().from(table).where(eq(table.email, email)).limit(1))[0];

  test("by id", async () => {
    for (const id of [user.id, other.id, Bun.randomUUIDv7()]) {
      expect(await users.findById(id)).toStrictEqual(await drizzleById(id));
    }
    expect((await users.findById(other.id))?.createdAt.toISOString()).toBe(
      "1999-12-31T23:59:59.999Z",
    );
    expect((await users.findById(other.id))?.name).toBe(other.name);
  });

  test("by email", async () => {
    for (const email of [user.email, other.email, "nobody@example.com"]) {
      expect(await users.findByEmail(email)).toStrictEqual(await drizzleByEmail(email));
    }
    expect(await users.findByEmail(other.email)).toEqual(other);
    expect(await drizzleByEmail("nobody@example.com")).toBeUndefined();
  });
});
