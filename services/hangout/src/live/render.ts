import type { Rsvp } from "../db/schema.ts";
import type { LiveRow } from "../repositories/live.ts";
import type { LiveReads } from "../repositories/live-reads.ts";
import type { MemberRow } from "../repositories/members.ts";
import type { MemoryWithUrl } from "../services/memory-urls.ts";
import { activityView } from "../views/activities.ts";
import { hangoutView } from "../views/hangouts.ts";
import { memoryView } from "../views/memories.ts";

type Membership = Pick<MemberRow, "role" | "rsvp">;
type Viewer = Membership & { id: string };
/** The member told of their own removal is no longer one: only ids are sent to them. */
const GONE: Membership = { role: "member", rsvp: "pending" satisfies Rsvp };

/** A change as the streams send it: who may see it, and its `data` for each of them. */
export interface Rendered {
  row: LiveRow;
  /** The hangout's members now: the ones who may see the change (and the end of a removal). */
  members: Map<string, Membership>;
  /** The `data:` JSON for one viewer, or undefined when they may not see this change. */
  dataFor(viewerId: string): string | undefined;
}

export interface RenderDeps {
  reads: LiveReads;
  /** Names by user id from auth's UserDirectory; absent ids are users auth no longer knows. */
  names(userIds: string[]): Promise<Map<string, string>>;
  /** A confirmed memory as GET returns it (URLs once ready), or undefined once it is gone. */
  memory(memoryId: string): Promise<MemoryWithUrl | undefined>;
}

/** The stream's event names whose resource is gone: their data carries only the id. */
const REMOVALS = new Set(["hangout.deleted", "member.left", "member.removed", "memory.removed"]);

/**
 * Renders a change once per replica, with the resource as its GET returns it now, and then per
 * viewer only what differs between them (their RSVP, their vote). Nothing is sent to someone who
 * is not a member, except the member told they left or were removed.
 */
export function createRenderer(deps: RenderDeps) {
  /** The resource's part of `data` for a viewer, and what makes it differ between viewers. */
  type Part = { body(viewer: Viewer): object; variant(viewer: Viewer): string };
  const same = (body: object): Part => ({ body: () => body, variant: () => "" });

  async function resourceOf(
    row: LiveRow,
    members: Map<string, Membership>,
  ): Promise<Part | undefined> {
    const { type, hangoutId, resourceId } = row;
    if (type.startsWith("hangout.")) {
      if (type === "hangout.deleted") return same({});
      const hangout = await deps.reads.hangout(hangoutId);
      if (!hangout || hangout.deletedAt) return undefined;
      return {
        body: (viewer) => ({ hangout: hangoutView({ hangout, membership: viewer }) }),
        variant: (viewer) => viewer.rsvp,
      };
    }
    if (type === "member.left" || type === "member.removed") return same({ userId: resourceId });
    if (type.startsWith("member.") || type === "rsvp.changed") return memberOf(row, members);
    if (type.startsWith("activity.")) {
      const [activity, voters] = await Promise.all([
        deps.reads.activity(resourceId),
        deps.reads.voters(resourceId),
      ]);
      if (!activity) return undefined;
      return {
        body: (viewer) => ({
          activity: activityView({ activity, votedByMe: voters.has(viewer.id) }),
        }),
        variant: (viewer) => String(voters.has(viewer.id)),
      };
    }
    if (type === "memory.removed") return same({ memoryId: resourceId });
    if (type === "memory.added" || type === "memory.processed") {
      const memory = await deps.memory(resourceId);
      return memory ? same({ memory: memoryView(memory) }) : undefined;
    }
    return undefined;
  }

  /** The member as the member list shows them; nothing when they are gone again since. */
  async function memberOf(
    row: LiveRow,
    members: Map<string, Membership>,
  ): Promise<Part | undefined> {
    const member = members.get(row.resourceId);
    if (!member) return undefined;
    const name = (await deps.names([row.resourceId])).get(row.resourceId) ?? "";
    return same({ member: { userId: row.resourceId, name, role: member.role, rsvp: member.rsvp } });
  }

  return async function render(row: LiveRow): Promise<Rendered> {
    const now = new Map<string, Membership>(
      (await deps.reads.members(row.hangoutId)).map((m) => [
        m.userId,
        { role: m.role, rsvp: m.rsvp },
      ]),
    );
    const part = await resourceOf(row, now);
    const head = { type: row.type, actorId: row.actorId, hangoutId: row.hangoutId };
    // Viewers differ only by their RSVP or vote: one JSON string per variant, not per viewer.
    const cache = new Map<string, string>();
    return {
      row,
      members: now,
      dataFor(viewerId) {
        const membership = now.get(viewerId);
        const told = REMOVALS.has(row.type) && row.subjectUserId === viewerId;
        if (!part || (!membership && !told)) return undefined;
        const viewer: Viewer = { id: viewerId, ...(membership ?? GONE) };
        const key = part.variant(viewer);
        let json = cache.get(key);
        if (json === undefined) {
          json = JSON.stringify({ ...head, ...part.body(viewer) });
          cache.set(key, json);
        }
        return json;
      },
    };
  };
}

export type Renderer = ReturnType<typeof createRenderer>;
