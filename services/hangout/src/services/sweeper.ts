import type { Logger } from "@hangout/platform/logger";
import { startPeriodic } from "@hangout/platform/periodic";
import type { HangoutConfig } from "../config.ts";
import type { Memories } from "./memories.ts";

/** Settles unfinished memory uploads and deletions every HANGOUT_SWEEP_INTERVAL_SECONDS. */
export const startSweeper = (
  memories: Memories,
  config: HangoutConfig,
  clock: () => Date,
  logger: Logger,
) =>
  startPeriodic(
    "sweeper",
    config.HANGOUT_SWEEP_INTERVAL_SECONDS,
    async () => {
      const pendingBefore = new Date(
        clock().getTime() - config.HANGOUT_PENDING_MEMORY_TTL_SECONDS * 1000,
      );
      const result = await memories.sweep(pendingBefore);
      if (result.deleted || result.settled || result.hangoutsRemoved) {
        logger.info(result, "sweeper settled unfinished memories");
      }
    },
    logger,
  );
