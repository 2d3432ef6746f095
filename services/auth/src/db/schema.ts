import {
  char,
  datetime,
  index,
  int,
  mysqlTable,
  primaryKey,
  varchar,
} from "drizzle-orm/mysql-core";

const timestamp = (name: string) => datetime(name, { mode: "date", fsp: 3 });

export const users = mysqlTable("users", {
  id: char("id", { length: 36 }).primaryKey(),
  /** Stored lower-cased, so the unique index makes emails unique regardless of case. */
  email: varchar("email", { length: 254 }).notNull().unique("users_email_unique"),
  name: varchar("name", { length: 100 }).notNull(),
  passwordHash: varchar("password_hash", { length: 255 }).notNull(),
  createdAt: timestamp("created_at").notNull(),
  updatedAt: timestamp("updated_at").notNull(),
});

/**
 * Refresh tokens, stored only as SHA-256 hashes. A family is one login; every refresh rotates
 * the token within its family, and presenting a rotated token revokes the whole family.
 */
export const refreshTokens = mysqlTable(
  "refresh_tokens",
  {
    id: char("id", { length: 36 }).primaryKey(),
    userId: char("user_id", { length: 36 })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    familyId: char("family_id", { length: 36 }).notNull(),
    tokenHash: char("token_hash", { length: 64 }).notNull().unique("refresh_tokens_hash_unique"),
    expiresAt: timestamp("expires_at").notNull(),
    createdAt: timestamp("created_at").notNull(),
    rotatedAt: timestamp("rotated_at"),
    revokedAt: timestamp("revoked_at"),
  },
  (table) => [
    index("refresh_tokens_family_idx").on(table.familyId),
    index("refresh_tokens_user_idx").on(table.userId),
  ],
);

/**
 * Failed-login counters, each keyed by a hash: per account (the email), per client address, and
 * per pair of the two (docs/decisions/0012-login-throttling.md).
 */
export const loginThrottles = mysqlTable(
  "login_throttles",
  {
    scope: varchar("scope", { length: 16, enum: ["account", "address", "pair"] }).notNull(),
    subject: char("subject", { length: 64 }).notNull(),
    failures: int("failures").notNull(),
    windowStartedAt: timestamp("window_started_at").notNull(),
    lockedUntil: timestamp("locked_until"),
  },
  (table) => [primaryKey({ columns: [table.scope, table.subject] })],
);

export const schema = { users, refreshTokens, loginThrottles };
export type AuthSchema = typeof schema;

/** Events written with the state change they describe (docs/decisions/0014-outbox-relay.md). */
export { outbox } from "@hangout/platform/outbox/table";
