import type { EventStream, StreamHub } from "@hangout/platform/live/event-stream";
import type { LiveRepository, LiveRow } from "../repositories/live.ts";
import type { LiveReads } from "../repositories/live-reads.ts";
import type { Follower } from "./follower.ts";
import type { Rendered, Renderer } from "./render.ts";

/** One open stream: a hangout's (`hangoutId`) or all of the caller's hangouts (`/me/events`). */
interface Watch {
  stream: EventStream;
  userId: string;
  hangoutId?: string;
  /** When the access token ends (ms): the stream ends then, and the client reconnects. */
  expiresAt: number;
  /** The last position sent (or skipped as not this viewer's). */
  sent: number;
  /** Changes that arrived live while the resume was being sent: sent after it. */
  pending?: Rendered[];
}

export interface LiveHubDeps {
  streams: StreamHub;
  follower: Pick<Follower, "position">;
  repo: LiveRepository;
  reads: Pick<LiveReads, "hangoutIdsOf">;
  render: Renderer;
  /** The service's clock: a stream ends when its token does. */
  clock: () => Date;
}

export interface OpenOptions {
  userId: string;
  /** The access token's expiry (seconds since the epoch, the JWT `exp`). */
  tokenExp: number;
  /** A hangout's stream (the caller is a member: checked before); all of theirs without it. */
  hangoutId?: string;
  /** The client's Last-Event-ID: changes after it are sent first. */
  lastEventId?: string | null;
}

const RESUME_BATCH = 200;
/** The end of a hangout's stream for its member, by the change that ends it. */
const ENDS: Record<string, string> = {
  "member.left": "left",
  "member.removed": "removed",
};

/**
 * The replica's open streams: each change from the follower goes to the streams it concerns,
 * in position order, and a stream opened with Last-Event-ID first gets what it missed, with no
 * gap and no duplicate at the seam (docs/decisions/0017-live-streams.md).
 */
export function createLiveHub(deps: LiveHubDeps) {
  const byHangout = new Map<string, Set<Watch>>();
  const byUser = new Map<string, Set<Watch>>();
  const all = new Set<Watch>();
  let expiryTimer: Timer | undefined;

  const index = (watch: Watch) =>
    watch.hangoutId ? getOrAdd(byHangout, watch.hangoutId) : getOrAdd(byUser, watch.userId);

  function detach(watch: Watch) {
    all.delete(watch);
    const key = watch.hangoutId ?? watch.userId;
    const map = watch.hangoutId ? byHangout : byUser;
    const set = map.get(key);
    set?.delete(watch);
    if (set?.size === 0) map.delete(key);
    if (all.size === 0) {
      clearInterval(expiryTimer);
      expiryTimer = undefined;
    }
  }

  function expire() {
    const now = deps.clock().getTime();
    for (const watch of all) if (watch.expiresAt <= now) watch.stream.end("token-expired");
  }

  /** Sends one change to one stream, if it is this viewer's; ends the stream if it must. */
  function sendTo(watch: Watch, rendered: Rendered) {
    const { row } = rendered;
    if (row.position <= watch.sent || watch.stream.closed) return;
    watch.sent = row.position;
    const id = String(row.position);
    if (watch.hangoutId) {
      const ending =
        row.type === "hangout.deleted"
          ? "deleted"
          : row.subjectUserId === watch.userId
            ? ENDS[row.type]
            : undefined;
      if (ending) return watch.stream.end(ending, { id, hangoutId: row.hangoutId });
    }
    const json = rendered.dataFor(watch.userId);
    if (json !== undefined) watch.stream.send({ id, event: row.type, json });
  }

  function offer(watch: Watch, rendered: Rendered) {
    if (watch.pending) watch.pending.push(rendered);
    else sendTo(watch, rendered);
  }

  /** Every change after the client's last one, then what came live meanwhile. */
  async function resume(watch: Watch, lastEventId: string | null | undefined) {
    try {
      if (lastEventId !== undefined && lastEventId !== null) {
        const from = /^\d{1,15}$/.test(lastEventId) ? Number(lastEventId) : Number.NaN;
        const hangoutIds = watch.hangoutId
          ? [watch.hangoutId]
          : await deps.reads.hangoutIdsOf(watch.userId);
        const [last, pruned] = await Promise.all([
          deps.repo.lastPosition(),
          deps.repo.prunedThrough(hangoutIds),
        ]);
        if (!(from <= last) || from < pruned) {
          // Not a position of ours, or older than the history kept: only a reload is whole.
          watch.stream.send({ event: "reload", data: { reason: "history-unavailable" } });
        } else {
          watch.sent = from;
          await replay(watch);
        }
      }
      for (const rendered of watch.pending ?? []) sendTo(watch, rendered);
    } catch {
      watch.stream.end("unavailable");
    } finally {
      watch.pending = undefined;
    }
  }

  async function replay(watch: Watch) {
    for (;;) {
      const rows: LiveRow[] = watch.hangoutId
        ? await deps.repo.hangoutAfter(watch.hangoutId, watch.sent, RESUME_BATCH)
        : await deps.repo.userAfter(watch.userId, watch.sent, RESUME_BATCH);
      for (const row of rows) {
        if (watch.stream.closed) return;
        sendTo(watch, await deps.render(row));
      }
      if (rows.length < RESUME_BATCH) return;
    }
  }

  return {
    /** Opens a stream; what it missed is sent once the response has started. */
    open(options: OpenOptions): Response {
      const watch: Watch = {
        userId: options.userId,
        ...(options.hangoutId ? { hangoutId: options.hangoutId } : {}),
        expiresAt: options.tokenExp * 1000,
        sent: deps.follower.position(),
        pending: [],
        stream: deps.streams.open({ onClose: () => detach(watch) }),
      };
      all.add(watch);
      index(watch).add(watch);
      expiryTimer ??= setInterval(expire, 1000);
      const response = watch.stream.response();
      void resume(watch, options.lastEventId);
      return response;
    },

    /** The follower's output: each change to the streams it concerns. */
    deliver(rendered: Rendered) {
      const { row, members } = rendered;
      for (const watch of byHangout.get(row.hangoutId) ?? []) offer(watch, rendered);
      const told = (userId: string) => {
        for (const watch of byUser.get(userId) ?? []) offer(watch, rendered);
      };
      if (byUser.size > 0) {
        for (const userId of members.keys()) told(userId);
        if (row.subjectUserId && !members.has(row.subjectUserId)) told(row.subjectUserId);
      }
    },

    get size() {
      return all.size;
    },
  };
}

function getOrAdd<K, V>(map: Map<K, Set<V>>, key: K): Set<V> {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  return set;
}

export type LiveHub = ReturnType<typeof createLiveHub>;
