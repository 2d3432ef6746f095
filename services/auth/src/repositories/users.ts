import { dbSpan } from "@hangout/platform/telemetry";
import { eq, inArray, sql } from "drizzle-orm";
import type { AuthDatabase } from "../db/index.ts";
import { users } from "../db/schema.ts";

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;

export function createUsersRepository(db: AuthDatabase) {
  // Prepared once: the by-id lookup is on the hot path of every authenticated request.
  const byId = db
    .select()
    .from(users)
    .where(eq(users.id, sql.placeholder("id")))
    .prepare();
  const byEmail = db
    .select()
    .from(users)
    .where(eq(users.email, sql.placeholder("email")))
    .prepare();

  return {
    async insert(user: NewUser) {
      await dbSpan("INSERT", "users", () => db.insert(users).values(user));
    },
    findById: (id: string) =>
      dbSpan("SELECT", "users", async () => (await byId.execute({ id }))[0]),
    findByIds: (ids: string[]) =>
      dbSpan("SELECT", "users", () =>
        ids.length ? db.select().from(users).where(inArray(users.id, ids)) : Promise.resolve([]),
      ),
    findByEmails: (emails: string[]) =>
      dbSpan("SELECT", "users", () =>
        emails.length
          ? db.select().from(users).where(inArray(users.email, emails))
          : Promise.resolve([]),
      ),
    findByEmail: (email: string) =>
      dbSpan("SELECT", "users", async () => (await byEmail.execute({ email }))[0]),
  };
}

export type UsersRepository = ReturnType<typeof createUsersRepository>;
