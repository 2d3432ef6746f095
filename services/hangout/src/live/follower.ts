import type { Logger } from "@hangout/platform/logger";
import type { LiveRepository } from "../repositories/live.ts";
import type { Rendered, Renderer } from "./render.ts";

export interface FollowerOptions {
  repo: LiveRepository;
  render: Renderer;
  /** Gets every change once, in position order, rendered. */
  deliver(rendered: Rendered): void;
  /** The look for new changes when no signal came (LIVE_POLL_INTERVAL_MS). */
  pollIntervalMs: number;
  logger: Logger;
  /** Changes read per query. */
  batchSize?: number;
}

export interface Follower {
  /** Starts after the last change committed so far: older ones are the streams' resume. */
  start(): Promise<void>;
  stop(): void;
  /** A replica signalled a change (or the broker link came back): look now. */
  wake(): void;
  /** The last position delivered. */
  position(): number;
}

/**
 * Follows `live_events` in position order and hands each change to the replica's streams. The
 * positions have no gaps and become visible in order (repositories/live.ts), so reading "after the
 * last one delivered" never skips a change. Broker signals only make it look sooner; the poll is
 * the safety net while the broker is away.
 */
export function createFollower(options: FollowerOptions): Follower {
  const { repo, render, deliver, logger } = options;
  const batchSize = options.batchSize ?? 500;
  let last = 0;
  let running: Promise<void> | undefined;
  let again = false;
  let timer: Timer | undefined;
  let stopped = false;
  let failing = false;

  async function catchUp() {
    do {
      again = false;
      const rows = await repo.after(last, batchSize);
      for (const row of rows) {
        deliver(await render(row));
        last = row.position;
      }
      if (rows.length === batchSize) again = true;
    } while (again && !stopped);
  }

  function wake() {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = catchUp()
      .then(() => {
        if (failing) logger.info("live changes followed again");
        failing = false;
      })
      .catch((error: unknown) => {
        // Retried at the next signal or poll: the position has not moved past the change.
        if (!failing) logger.warn({ err: error }, "live changes could not be read; retrying");
        failing = true;
      })
      .finally(() => {
        running = undefined;
        // A signal that came as the last read ended.
        if (again && !failing) wake();
      });
  }

  return {
    async start() {
      last = await repo.lastPosition();
      timer = setInterval(wake, options.pollIntervalMs);
    },
    stop() {
      stopped = true;
      clearInterval(timer);
    },
    wake,
    position: () => last,
  };
}
