import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createDatabase, createPool } from "@hangout/platform/db";
import { createTestDatabase, type TestDatabase } from "@hangout/platform/testing/database";
import * as schema from "../db/schema.ts";
import { createUsersRepository, type User } from "./users.ts";

let database: TestDatabase;
let pool: ReturnType<typeof createPool>;
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

beforeAll(async () => {
  database = await createTestDatabase("auth");
  pool = createPool(database.url);
  users = createUsersRepository(createDatabase(pool, schema));
  await users.insert(user);
});

afterAll(async () => {
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
