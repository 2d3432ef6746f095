import { AppError } from "@hangout/platform/errors";
import { isUuid } from "@hangout/platform/ids";
import { pageOf } from "@hangout/platform/pagination";
import type { Rsvp } from "../db/schema.ts";
import { callService } from "../repositories/grpc-errors.ts";
import type { InvitationsRepository } from "../repositories/invitations.ts";
import type { MemberRow, MembersRepository } from "../repositories/members.ts";
import type { ServiceClients } from "../repositories/service-clients.ts";
import type { Access } from "./access.ts";
import { hangoutEvent } from "./events.ts";

/** The UserDirectory answers at most this many ids or emails per call. */
const DIRECTORY_BATCH = 100;
const DAY_MS = 86_400_000;

export interface MemberEntry {
  userId: string;
  name: string;
  role: MemberRow["role"];
  rsvp: Rsvp;
}

export interface InviteResult {
  invited: string[];
  alreadyMembers: string[];
  /** Addresses with no account, as given: each has a pending invitation now (new or refreshed). */
  pendingEmails: string[];
}

export interface MembersDeps {
  repo: MembersRepository;
  invitations: InvitationsRepository;
  access: Access;
  clients: ServiceClients;
  clock: () => Date;
  /** How long an invitation to an address with no account waits for its sign-up. */
  invitationTtlDays: number;
}

const chunks = <T>(items: T[], size: number) =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) =>
    items.slice(i * size, (i + 1) * size),
  );

/** Invites, the member list, RSVPs and leaving. Users live in auth (UserDirectory over gRPC). */
export function createMembers({
  repo,
  invitations,
  access,
  clients,
  clock,
  invitationTtlDays,
}: MembersDeps) {
  const auth = <T>(fn: () => Promise<T>) => callService("auth", fn);

  /** Names by user id; users auth no longer knows are simply absent. */
  async function names(userIds: string[]) {
    const byId = new Map<string, string>();
    for (const ids of chunks([...new Set(userIds)], DIRECTORY_BATCH)) {
      const { users } = await auth(() => clients.users.getUsersByIds({ ids }));
      for (const user of users) byId.set(user.id, user.name);
    }
    return byId;
  }

  const entry = (
    row: Pick<MemberRow, "userId" | "role" | "rsvp">,
    byId: Map<string, string>,
  ): MemberEntry => ({
    userId: row.userId,
    name: byId.get(row.userId) ?? "",
    role: row.role,
    rsvp: row.rsvp,
  });

  return {
    /**
     * Owner only. Users are looked up first, then added in one transaction: if auth cannot
     * answer, nothing is written (503). An address with no account gets a pending invitation,
     * taken up when it signs up (services/invitations.ts); inviting it again while pending only
     * moves its expiry, so `member.invited` is told once per invitation.
     */
    async invite(hangoutId: string, callerId: string, emails: string[]): Promise<InviteResult> {
      const { hangout } = await access.owner(hangoutId, callerId);
      const requested = new Map<string, string>(); // lower-cased → as given (first occurrence)
      for (const email of emails) {
        const key = email.toLowerCase();
        if (!requested.has(key)) requested.set(key, email);
      }
      const found = new Map<string, string>(); // lower-cased email → user id
      for (const batch of chunks([...requested.keys()], DIRECTORY_BATCH)) {
        const { users } = await auth(() => clients.users.getUsersByEmails({ emails: batch }));
        for (const user of users) found.set(user.email.toLowerCase(), user.id);
      }
      const unknown = [...requested.keys()].filter((key) => !found.has(key));
      const at = clock();
      const outcome = await invitations.invite(
        hangoutId,
        { users: [...found].map(([email, id]) => ({ id, email })), emails: unknown },
        { invitedBy: callerId, at, expiresAt: new Date(at.getTime() + invitationTtlDays * DAY_MS) },
        (invited, created) => [
          ...invited.map((userId) =>
            hangoutEvent("dev.hangout-planner.member.invited.v1", {
              hangoutId: hangout.id,
              invitedBy: callerId,
              invitee: { userId },
            }),
          ),
          ...created.map((invitation) =>
            hangoutEvent("dev.hangout-planner.member.invited.v1", {
              hangoutId: hangout.id,
              invitedBy: callerId,
              invitee: { invitationId: invitation.id, email: invitation.email },
            }),
          ),
        ],
      );
      // Deleted while auth was being asked.
      if (!outcome) throw new AppError("not_found", "No such hangout");
      return {
        invited: outcome.invited,
        alreadyMembers: outcome.alreadyMembers,
        pendingEmails: unknown.map((key) => requested.get(key) ?? key),
      };
    },

    /** Members only; keyset pages by join time, then user id. */
    async list(
      hangoutId: string,
      callerId: string,
      after: { at: Date; id: string } | undefined,
      limit: number,
    ) {
      await access.member(hangoutId, callerId);
      const { rows, nextCursor } = pageOf(
        await repo.list(hangoutId, after, limit + 1),
        limit,
        (row) => [row.joinedAt.toISOString(), row.userId],
      );
      const byId = await names(rows.map((row) => row.userId));
      return { items: rows.map((row) => entry(row, byId)), nextCursor };
    },

    /** The caller's own RSVP; returns their member entry. */
    async setRsvp(hangoutId: string, callerId: string, rsvp: Exclude<Rsvp, "pending">) {
      const { hangout } = await access.member(hangoutId, callerId);
      const member = await repo.setRsvp(hangoutId, callerId, rsvp, (before) =>
        before === rsvp
          ? []
          : [
              hangoutEvent("dev.hangout-planner.rsvp.changed.v1", {
                hangoutId: hangout.id,
                userId: callerId,
                from: before,
                to: rsvp,
              }),
            ],
      );
      // Left, or the hangout was deleted, since the access check.
      if (!member) throw new AppError("not_found", "No such hangout");
      return entry(member, await names([callerId]));
    },

    /**
     * A member may leave; the owner may remove anyone else. The owner cannot leave (409): the
     * hangout would have no owner, so it is deleted instead.
     */
    async remove(hangoutId: string, callerId: string, userId: string) {
      const { hangout, membership } = await access.member(hangoutId, callerId);
      const leaving = userId.toLowerCase() === callerId.toLowerCase();
      if (leaving) {
        if (membership.role === "owner") {
          throw new AppError("conflict", "The owner cannot leave; delete the hangout instead");
        }
      } else if (membership.role !== "owner") {
        throw new AppError("forbidden", "Only the hangout's owner may remove other members");
      }
      const removed =
        isUuid(userId) &&
        (await repo.remove(hangoutId, userId, () => [
          leaving
            ? hangoutEvent("dev.hangout-planner.member.left.v1", {
                hangoutId: hangout.id,
                userId: callerId,
              })
            : hangoutEvent("dev.hangout-planner.member.removed.v1", {
                hangoutId: hangout.id,
                // Ids are stored lower-case; the path may spell one in capitals.
                userId: userId.toLowerCase(),
                removedBy: callerId,
              }),
        ]));
      if (!removed) {
        throw new AppError("not_found", "No such member");
      }
    },
  };
}

export type Members = ReturnType<typeof createMembers>;
