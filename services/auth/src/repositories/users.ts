import { runTransaction } from "@hangout/platform/db";
import { type HotSql, hotRows } from "@hangout/platform/hot-sql";
import { appendEvents, type OutboxEvent } from "@hangout/platform/outbox/append";
import { dbSpan } from "@hangout/platform/telemetry";
import { inArray } from "drizzle-orm";
import type { AuthDatabase } from "../db/index.ts";
import { users } from "../db/schema.ts";

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
const profile = { id: users.id, email: users.email, name: users.name, createdAt: users.createdAt };
/** A user without the password hash: all a response shows, and all any lookup but login's needs. */
export type Profile = Pick<User, keyof typeof profile>;

// The two lookups on hot paths (by id on every `GET /auth/me`, by email on every login) are plain
// SQL on Bun's client: docs/decisions/0002-hot-queries.md and
// 0021-hot-statements-on-bun-sql.md. Only login reads the password hash. users.test.ts checks
// each returns what the Drizzle query would.
const PROFILE_BY_ID = "SELECT id, email, name, created_at FROM users WHERE id = ? LIMIT 1";
const USER_BY_EMAIL = `SELECT id, email, name, password_hash, created_at, updated_at
  FROM users WHERE email = ? LIMIT 1`;

interface UserRow {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  created_at: Date;
  updated_at: Date;
}

const toProfile = (row: Omit<UserRow, "password_hash" | "updated_at">): Profile => ({
  id: row.id,
  email: row.email,
  name: row.name,
  createdAt: row.created_at,
});

const toUser = (row: UserRow): User => ({
  id: row.id,
  email: row.email,
  name: row.name,
  passwordHash: row.password_hash,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export function createUsersRepository(db: AuthDatabase, hot: HotSql) {
  return {
    /**
     * The user and the events describing the sign-up, in one transaction: a duplicate email
     * rolls the events back with the row, and the row insert orders the user's events
     * (docs/decisions/0014-outbox-relay.md).
     */
    insert: (user: NewUser, events: readonly OutboxEvent[] = []) =>
      dbSpan("INSERT", "users", () =>
        runTransaction(db, async (tx) => {
          await tx.insert(users).values(user);
          await appendEvents(tx, events);
        }),
      ),
    findById: (id: string) =>
      dbSpan("SELECT", "users", async () => {
        const [row] = await hotRows<UserRow>(hot, PROFILE_BY_ID, [id]);
        return row ? toProfile(row) : undefined;
      }),
    findByIds: (ids: string[]) =>
      dbSpan("SELECT", "users", () =>
        ids.length
          ? db.select(profile).from(users).where(inArray(users.id, ids))
          : Promise.resolve([]),
      ),
    findByEmails: (emails: string[]) =>
      dbSpan("SELECT", "users", () =>
        emails.length
          ? db.select(profile).from(users).where(inArray(users.email, emails))
          : Promise.resolve([]),
      ),
    findByEmail: (email: string) =>
      dbSpan("SELECT", "users", async () => {
        const [row] = await hotRows<UserRow>(hot, USER_BY_EMAIL, [email]);
        return row ? toUser(row) : undefined;
      }),
  };
}

export type UsersRepository = ReturnType<typeof createUsersRepository>;
