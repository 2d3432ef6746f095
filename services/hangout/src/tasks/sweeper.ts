import type { Logger } from "@hangout/platform/logger";
import type { ServiceTask } from "@hangout/platform/service/definition";
import type { HangoutConfig } from "../config.ts";
import type { Memories } from "../services/memories.ts";

/** Settles unfinished memory uploads and deletions every HANGOUT_SWEEP_INTERVAL_SECONDS. */
export const sweeperTask = (
  memories: Memories,
  config: HangoutConfig,
  clock: () => Date,
  logger: Logger,
): ServiceTask => ({
  name: "sweeper",
  intervalSeconds: config.HANGOUT_SWEEP_INTERVAL_SECONDS,
  async run() {
    const pendingBefore = new Date(
      clock().getTime() - config.HANGOUT_PENDING_MEMORY_TTL_SECONDS * 1000,
    );
    const result = await memories.sweep(pendingBefore);
    if (result.deleted || result.settled || result.hangoutsRemoved) {
      logger.info(result, "sweeper settled unfinished memories");
    }
  },
});
