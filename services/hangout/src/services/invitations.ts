import { pageOf } from "@hangout/platform/pagination";
import { callService } from "../repositories/grpc-errors.ts";
import type { InvitationRow, InvitationsRepository } from "../repositories/invitations.ts";
import type { HangoutTransaction } from "../repositories/outbox.ts";
import type { ServiceClients } from "../repositories/service-clients.ts";
import type { Access } from "./access.ts";
import { hangoutEvent, iso } from "./events.ts";

export interface InvitationEntry {
  id: string;
  email: string;
  invitedBy: string;
  createdAt: string;
  expiresAt: string;
}

export interface InvitationsDeps {
  repo: InvitationsRepository;
  access: Access;
  clients: ServiceClients;
  clock: () => Date;
}

const entry = (row: InvitationRow): InvitationEntry => ({
  id: row.id,
  email: row.email,
  invitedBy: row.invitedBy,
  createdAt: iso(row.createdAt),
  expiresAt: iso(row.expiresAt),
});

/**
 * Invitations to addresses with no account (made by `members.invite`): the owner's list, the
 * sweep of expired ones, and their taking up when the address signs up. An expired invitation is
 * never listed nor honoured, whether or not the sweeper has deleted it yet.
 */
export function createInvitations({ repo, access, clients, clock }: InvitationsDeps) {
  return {
    /** Owner only: the addresses are the owner's to see. Keyset pages by creation, then id. */
    async list(
      hangoutId: string,
      callerId: string,
      after: { at: Date; id: string } | undefined,
      limit: number,
    ) {
      await access.owner(hangoutId, callerId);
      const { rows, nextCursor } = pageOf(
        await repo.list(hangoutId, clock(), after, limit + 1),
        limit,
        (row) => [iso(row.createdAt), row.id],
      );
      return { items: rows.map(entry), nextCursor };
    },

    /** Deletes the expired ones; returns how many. */
    sweep: () => repo.deleteExpired(clock()),

    /**
     * auth's `user.signed-up`, in the consumer's inbox transaction: the new user's address
     * (events never carry it) comes from auth, and each of its pending invitations becomes
     * membership with `member.joined`. A user auth no longer knows has nothing to take up. When
     * auth cannot answer this throws, so the consumer retries the event later.
     */
    async signedUp(userId: string, tx: HangoutTransaction) {
      const { users } = await callService("auth", () =>
        clients.users.getUsersByIds({ ids: [userId] }),
      );
      const user = users.find((found) => found.id.toLowerCase() === userId.toLowerCase());
      if (!user) return [];
      return repo.takeUp(tx, user.email.toLowerCase(), user.id, clock(), (invitation) => [
        hangoutEvent("dev.hangout-planner.member.joined.v1", {
          hangoutId: invitation.hangoutId,
          userId: user.id,
          invitationId: invitation.id,
        }),
      ]);
    },
  };
}

export type Invitations = ReturnType<typeof createInvitations>;
