import type { Logger } from "@hangout/platform/logger";
import { startPeriodic } from "@hangout/platform/periodic";
import type { Files } from "./files.ts";

/** Reaper passes every `intervalSeconds`; a backlog drains batch by batch within one pass. */
export const startReaper = (files: Files, intervalSeconds: number, logger: Logger) =>
  startPeriodic(
    "reaper",
    intervalSeconds,
    async () => {
      for (let removed = -1; removed !== 0; ) {
        removed = await files.reap();
        if (removed > 0) logger.info({ removed }, "reaper removed abandoned uploads");
      }
    },
    logger,
  );
