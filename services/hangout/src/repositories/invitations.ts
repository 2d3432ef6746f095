import { runTransaction } from "@hangout/platform/db";
import { dbSpan } from "@hangout/platform/telemetry";
import { and, asc, eq, gt, inArray, lte, or, type SQL } from "drizzle-orm";
import type { HangoutDatabase } from "../db/index.ts";
import { pendingInvitations } from "../db/schema.ts";
import { recordChanges } from "./live.ts";
import { addMembersIn } from "./members.ts";
import { type HangoutEvent, type HangoutTransaction, lockLiveHangout } from "./outbox.ts";

export type InvitationRow = typeof pendingInvitations.$inferSelect;

const affected = (result: unknown) => (result as [{ affectedRows: number }])[0]?.affectedRows ?? 0;

/**
 * Pending invitations of `emails` (lower-cased) to a hangout whose row the transaction has
 * locked. A pending one gets the new expiry and keeps its id, so it is told once; an expired one
 * not yet swept is replaced by a new invitation, exactly as if the sweeper had been first.
 * Returns the new ones.
 */
async function invitePending(
  tx: HangoutTransaction,
  hangoutId: string,
  emails: string[],
  invitation: { invitedBy: string; at: Date; expiresAt: Date },
): Promise<InvitationRow[]> {
  if (!emails.length) return [];
  const { invitedBy, at, expiresAt } = invitation;
  const existing = await tx
    .select()
    .from(pendingInvitations)
    .where(
      and(eq(pendingInvitations.hangoutId, hangoutId), inArray(pendingInvitations.email, emails)),
    )
    .for("update");
  const live = new Map(existing.filter((row) => row.expiresAt > at).map((row) => [row.email, row]));
  const stale = existing.filter((row) => row.expiresAt <= at).map((row) => row.id);
  if (stale.length)
    await tx.delete(pendingInvitations).where(inArray(pendingInvitations.id, stale));
  if (live.size) {
    await tx
      .update(pendingInvitations)
      .set({ expiresAt })
      .where(
        inArray(
          pendingInvitations.id,
          [...live.values()].map((row) => row.id),
        ),
      );
  }
  const created = emails
    .filter((email) => !live.has(email))
    .map((email) => ({
      id: Bun.randomUUIDv7(),
      hangoutId,
      email,
      invitedBy,
      createdAt: at,
      expiresAt,
    }));
  if (created.length) await tx.insert(pendingInvitations).values(created);
  return created;
}

/** Drops a hangout's pending invitations of addresses that are members now (lower-cased). */
async function dropPending(tx: HangoutTransaction, hangoutId: string, emails: string[]) {
  if (!emails.length) return;
  await tx
    .delete(pendingInvitations)
    .where(
      and(eq(pendingInvitations.hangoutId, hangoutId), inArray(pendingInvitations.email, emails)),
    );
}

export interface Invitees {
  /** Users found by email, and their addresses (lower-cased). */
  users: { id: string; email: string }[];
  /** Addresses with no account (lower-cased, distinct). */
  emails: string[];
}

export interface InviteOutcome {
  invited: string[];
  alreadyMembers: string[];
  /** The invitations made (not those only refreshed). */
  created: InvitationRow[];
}

export function createInvitationsRepository(db: HangoutDatabase) {
  return {
    /**
     * The owner's invite, in one transaction that locks the hangout: users not yet members join
     * (RSVP pending, `member_count` raised by as many) and lose any invitation left pending for
     * their address; addresses with no account get pending invitations (`invitePending`).
     * `describe` makes the events of the users added and the invitations created. Undefined when
     * the hangout is gone.
     */
    invite: (
      hangoutId: string,
      invitees: Invitees,
      invitation: { invitedBy: string; at: Date; expiresAt: Date },
      describe: (invited: string[], created: InvitationRow[]) => HangoutEvent[],
    ) =>
      dbSpan("INSERT", "members", () =>
        runTransaction(db, async (tx): Promise<InviteOutcome | undefined> => {
          const hangout = await lockLiveHangout(tx, hangoutId);
          if (!hangout) return undefined;
          const userIds = invitees.users.map((user) => user.id);
          const added = await addMembersIn(tx, hangout, userIds, invitation.at);
          await dropPending(
            tx,
            hangoutId,
            invitees.users.map((user) => user.email),
          );
          const created = await invitePending(tx, hangoutId, invitees.emails, invitation);
          await recordChanges(tx, describe(added.invited, created));
          return { ...added, created };
        }),
      ),

    /** Page of a hangout's unexpired invitations by `created_at`, then `id`, after `after`. */
    list: (
      hangoutId: string,
      now: Date,
      after: { at: Date; id: string } | undefined,
      limit: number,
    ) =>
      dbSpan("SELECT", "pending_invitations", () => {
        const conditions: (SQL | undefined)[] = [
          eq(pendingInvitations.hangoutId, hangoutId),
          gt(pendingInvitations.expiresAt, now),
          after
            ? or(
                gt(pendingInvitations.createdAt, after.at),
                and(
                  eq(pendingInvitations.createdAt, after.at),
                  gt(pendingInvitations.id, after.id),
                ),
              )
            : undefined,
        ];
        return db
          .select()
          .from(pendingInvitations)
          .where(and(...conditions))
          .orderBy(asc(pendingInvitations.createdAt), asc(pendingInvitations.id))
          .limit(limit);
      }),

    /** Deletes every invitation expired at `now`; returns how many. */
    deleteExpired: (now: Date) =>
      dbSpan("DELETE", "pending_invitations", async () =>
        affected(await db.delete(pendingInvitations).where(lte(pendingInvitations.expiresAt, now))),
      ),

    /**
     * In the consumer's transaction: every unexpired invitation of `email` (lower-cased) becomes
     * membership of `userId` with RSVP pending, and is deleted. Each hangout is locked first, as
     * every write of a hangout's events does, then its invitation is read again under the lock,
     * since the sweeper or an earlier delivery may have removed it meanwhile. `describe` makes
     * the events of an invitation taken up by a new member; a hangout where `userId` is a member
     * already only loses the invitation. Returns the invitations that made a member.
     */
    takeUp: (
      tx: HangoutTransaction,
      email: string,
      userId: string,
      at: Date,
      describe: (invitation: InvitationRow) => HangoutEvent[],
    ) =>
      dbSpan("UPDATE", "pending_invitations", async () => {
        const candidates = await tx
          .select({ id: pendingInvitations.id, hangoutId: pendingInvitations.hangoutId })
          .from(pendingInvitations)
          .where(and(eq(pendingInvitations.email, email), gt(pendingInvitations.expiresAt, at)))
          // One order for every taker, so two of them lock hangouts without deadlocking.
          .orderBy(asc(pendingInvitations.hangoutId));
        const joined: InvitationRow[] = [];
        for (const candidate of candidates) {
          // A deleted hangout's invitations go with it when it is purged.
          const hangout = await lockLiveHangout(tx, candidate.hangoutId);
          if (!hangout) continue;
          const [invitation] = await tx
            .select()
            .from(pendingInvitations)
            .where(eq(pendingInvitations.id, candidate.id))
            .for("update");
          if (!invitation || invitation.expiresAt <= at) continue;
          await tx.delete(pendingInvitations).where(eq(pendingInvitations.id, invitation.id));
          const { invited } = await addMembersIn(tx, hangout, [userId], at);
          if (invited.length) {
            await recordChanges(tx, describe(invitation));
            joined.push(invitation);
          }
        }
        return joined;
      }),
  };
}

export type InvitationsRepository = ReturnType<typeof createInvitationsRepository>;
