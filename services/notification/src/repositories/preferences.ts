import { dbSpan } from "@hangout/platform/telemetry";
import { eq, inArray, sql } from "drizzle-orm";
import type { NotificationDatabase } from "../db/index.ts";
import { type MailKind, preferences, suppressedAddresses } from "../db/schema.ts";
import type { NotificationTransaction } from "./projection.ts";

/** Which kinds of email a user gets. */
export type MailChoices = Record<MailKind, boolean>;

/** No row: every kind is on. */
export const ALL_ON: MailChoices = { invitation: true, update: true, reminder: true };

const choicesOf = (row: MailChoices): MailChoices => ({
  invitation: row.invitation,
  update: row.update,
  reminder: row.reminder,
});

export function createPreferencesRepository(db: NotificationDatabase) {
  return {
    find: (userId: string) =>
      dbSpan("SELECT", "preferences", async () => {
        const [row] = await db
          .select()
          .from(preferences)
          .where(eq(preferences.userId, userId))
          .limit(1);
        return row ? choicesOf(row) : undefined;
      }),

    save: (userId: string, choices: MailChoices, at: Date) =>
      dbSpan("INSERT", "preferences", async () => {
        await db
          .insert(preferences)
          .values({ userId, ...choices, updatedAt: at })
          .onDuplicateKeyUpdate({ set: { ...choices, updatedAt: at } });
      }),

    /** Turns one kind off and leaves the others as they are (all on without a row). */
    turnOff: (userId: string, kind: MailKind, at: Date) =>
      dbSpan("INSERT", "preferences", async () => {
        await db
          .insert(preferences)
          .values({ userId, ...ALL_ON, [kind]: false, updatedAt: at })
          .onDuplicateKeyUpdate({ set: { [kind]: false, updatedAt: at } });
      }),

    /** No more email to an address with no account; already suppressed is fine. */
    suppress: (email: string, at: Date) =>
      dbSpan("INSERT", "suppressed_addresses", async () => {
        await db
          .insert(suppressedAddresses)
          .values({ email: email.toLowerCase(), createdAt: at })
          .onDuplicateKeyUpdate({ set: { email: sql`${suppressedAddresses.email}` } });
      }),
  };
}

export type PreferencesRepository = ReturnType<typeof createPreferencesRepository>;

/** What a batch's recipients chose: users' choices (absent: all on), suppressed addresses. */
export interface SendChoices {
  users: Map<string, MailChoices>;
  suppressed: Set<string>;
}

/** Why a delivery must not be sent given its recipient's choices; undefined when it may. */
export function turnedOff(
  delivery: { userId: string | null; email: string | null; kind: MailKind },
  choices: SendChoices,
): string | undefined {
  if (delivery.userId) {
    return choices.users.get(delivery.userId)?.[delivery.kind] === false
      ? `turned off in the recipient's preferences`
      : undefined;
  }
  return delivery.email && choices.suppressed.has(delivery.email.toLowerCase())
    ? "the address unsubscribed"
    : undefined;
}

/**
 * What the recipients of a batch chose, read in the mailer's transaction when it sends (not when
 * the email was queued): users' choices (absent: all on) and the suppressed addresses.
 */
export async function choicesAtSend(
  tx: NotificationDatabase | NotificationTransaction,
  userIds: string[],
  emails: string[],
): Promise<SendChoices> {
  const users = new Map<string, MailChoices>();
  const suppressed = new Set<string>();
  if (userIds.length > 0) {
    const rows = await dbSpan("SELECT", "preferences", () =>
      tx.select().from(preferences).where(inArray(preferences.userId, userIds)),
    );
    for (const row of rows) users.set(row.userId, choicesOf(row));
  }
  if (emails.length > 0) {
    const lowered = emails.map((email) => email.toLowerCase());
    const rows = await dbSpan("SELECT", "suppressed_addresses", () =>
      tx
        .select({ email: suppressedAddresses.email })
        .from(suppressedAddresses)
        .where(inArray(suppressedAddresses.email, lowered)),
    );
    for (const row of rows) suppressed.add(row.email.toLowerCase());
  }
  return { users, suppressed };
}
