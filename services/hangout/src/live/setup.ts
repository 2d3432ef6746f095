import type { Database } from "@hangout/platform/db";
import { createStreamHub } from "@hangout/platform/live/event-stream";
import { createFanoutSubscriber } from "@hangout/platform/live/fanout";
import type { Platform } from "@hangout/platform/platform";
import type { ServiceTask } from "@hangout/platform/service/definition";
import type { HangoutConfig } from "../config.ts";
import type { HangoutSchema } from "../db/schema.ts";
import { callService } from "../repositories/grpc-errors.ts";
import { createLiveRepository } from "../repositories/live.ts";
import { createLiveReads } from "../repositories/live-reads.ts";
import type { ServiceClients } from "../repositories/service-clients.ts";
import type { Memories } from "../services/memories.ts";
import { createFollower } from "./follower.ts";
import { createLiveHub, type LiveHub } from "./hub.ts";
import { createRenderer } from "./render.ts";

/** The signal every replica binds its own queue to (repositories/live.ts sends it). */
export const LIVE_SIGNAL = "dev.hangout-planner.hangout.live-changed.*";

export interface LiveSetupDeps {
  config: HangoutConfig;
  platform: Platform;
  db: Database<HangoutSchema>;
  clients: ServiceClients;
  memories: Pick<Memories, "viewable">;
  clock: () => Date;
}

/**
 * The live streams of one replica: its open streams, the follower of `live_events` that feeds
 * them, and the broker subscription that wakes the follower when any replica commits a change
 * (docs/decisions/0017-live-streams.md).
 */
export function setUpLive({ config, platform, db, clients, memories, clock }: LiveSetupDeps) {
  const { logger } = platform;
  const repo = createLiveRepository(db);
  const reads = createLiveReads(db);
  const streams = createStreamHub({
    heartbeatMs: config.LIVE_HEARTBEAT_SECONDS * 1000,
    retryMs: config.LIVE_RETRY_MS,
    bufferLimitBytes: config.LIVE_CLIENT_BUFFER_BYTES,
    metrics: platform.metrics.registry,
    logger,
  });
  const render = createRenderer({
    reads,
    async names(ids) {
      try {
        const { users } = await callService("auth", () => clients.users.getUsersByIds({ ids }));
        return new Map(users.map((u) => [u.id, u.name]));
      } catch (error) {
        // A change is not held back for a name: the member list shows it once auth answers.
        logger.warn({ err: error }, "member names unavailable for a live change");
        return new Map();
      }
    },
    async memory(id) {
      try {
        return await memories.viewable(id);
      } catch (error) {
        // The file service is away: the photo shows in the list once it answers; the other
        // changes must not wait behind this one.
        logger.warn({ err: error }, "memory URL unavailable for a live change");
        return undefined;
      }
    },
  });
  let hub: LiveHub | undefined;
  const follower = createFollower({
    repo,
    render,
    deliver: (rendered) => hub?.deliver(rendered),
    pollIntervalMs: config.LIVE_POLL_INTERVAL_MS,
    logger,
  });
  hub = createLiveHub({ streams, follower, repo, reads, render, clock });
  const fanout = createFanoutSubscriber({
    url: config.AMQP_URL,
    exchange: config.EVENTS_EXCHANGE,
    bindings: [LIVE_SIGNAL],
    onMessage: () => follower.wake(),
    // What was signalled while the link was down is read now.
    onConnected: () => follower.wake(),
    logger,
  });
  platform.lifecycle.onDrain("live streams", () => streams.endAll("shutdown"));
  platform.lifecycle.onClose("live follower", () => {
    follower.stop();
    return fanout.stop();
  });
  const history: ServiceTask = {
    name: "live-history",
    intervalSeconds: config.HANGOUT_SWEEP_INTERVAL_SECONDS,
    async run() {
      const before = new Date(clock().getTime() - config.LIVE_HISTORY_DAYS * 86_400_000);
      let pruned = 0;
      // Rounds of up to 200 hangouts, until one prunes fewer.
      for (;;) {
        const round = await repo.prune(before, config.LIVE_HISTORY_EVENTS);
        pruned += round;
        if (round < 200) break;
      }
      if (pruned) logger.info({ hangouts: pruned }, "live history pruned");
    },
  };
  return {
    hub,
    history,
    readiness: fanout.readiness,
    async start() {
      await follower.start();
      fanout.start();
    },
  };
}
