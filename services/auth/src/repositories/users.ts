import { fastSelect } from "@hangout/platform/db";
import { dbSpan } from "@hangout/platform/telemetry";
import { eq, getTableColumns, inArray, sql } from "drizzle-orm";
import type { AuthDatabase } from "../db/index.ts";
import { users } from "../db/schema.ts";

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
const profile = { id: users.id, email: users.email, name: users.name, createdAt: users.createdAt };
/** A user without the password hash: all a response shows, and all any lookup but login's needs. */
export type Profile = Pick<User, keyof typeof profile>;
type Selection = typeof profile | ReturnType<typeof getTableColumns<typeof users>>;

export function createUsersRepository(db: AuthDatabase) {
  // Server-side prepared statements without Drizzle's row mapping: the by-id lookup runs on
  // every `GET /auth/me` and the by-email one on every login (README, auth bench). Only login
  // reads the password hash.
  const oneBy = <TRow>(column: typeof users.id | typeof users.email, selection: Selection) =>
    fastSelect<TRow, { value: string }>(
      db,
      db
        .select(selection)
        .from(users)
        .where(eq(column, sql.placeholder("value")))
        .limit(1),
      selection,
    );
  const byId = oneBy<Profile>(users.id, profile);
  const byEmail = oneBy<User>(users.email, getTableColumns(users));

  return {
    async insert(user: NewUser) {
      await dbSpan("INSERT", "users", () => db.insert(users).values(user));
    },
    findById: (id: string) => dbSpan("SELECT", "users", async () => (await byId({ value: id }))[0]),
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
      dbSpan("SELECT", "users", async () => (await byEmail({ value: email }))[0]),
  };
}

export type UsersRepository = ReturnType<typeof createUsersRepository>;
