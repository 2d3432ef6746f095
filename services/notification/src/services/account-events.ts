import { eq } from "drizzle-orm";
import { preferences, suppressedAddresses } from "../db/schema.ts";
import { ALL_ON } from "../repositories/preferences.ts";
import type { NotificationTransaction } from "../repositories/projection.ts";
import type { UserDirectory } from "../repositories/users.ts";

/**
 * auth's `user.signed-up`: an address that turned invitations off before it had an account (the
 * one-click link of an invitation sent to it) keeps that choice as its user's preference, rather
 * than being invited by email again because it is now a user id instead of an address.
 */
export async function keepAddressOptOut(
  tx: NotificationTransaction,
  users: UserDirectory,
  userId: string,
  at: Date,
) {
  // Events carry no address: auth says which one signed up. A failure throws, to be retried.
  const user = (await users.byIds([userId])).get(userId);
  if (!user) return;
  const [suppressed] = await tx
    .select({ email: suppressedAddresses.email })
    .from(suppressedAddresses)
    .where(eq(suppressedAddresses.email, user.email.toLowerCase()))
    .limit(1);
  if (!suppressed) return;
  await tx
    .insert(preferences)
    .values({ userId, ...ALL_ON, invitation: false, updatedAt: at })
    .onDuplicateKeyUpdate({ set: { invitation: false, updatedAt: at } });
}
