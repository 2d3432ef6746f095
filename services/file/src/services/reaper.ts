import type { Logger } from "@hangout/platform/logger";
import type { Files } from "./files.ts";

/**
 * Runs a reaper pass every `intervalSeconds` (with ±10% jitter, so instances spread out) until
 * stopped. Passes never overlap; a failed pass is logged and the next one retries.
 */
export function startReaper(files: Files, intervalSeconds: number, logger: Logger) {
  let timer: Timer | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  const schedule = () => {
    if (stopped) return;
    const jitter = 0.9 + Math.random() * 0.2;
    timer = setTimeout(tick, intervalSeconds * 1000 * jitter);
  };
  const tick = () => {
    running = (async () => {
      try {
        // Large backlogs drain batch by batch without waiting for the next interval.
        for (let removed = -1; removed !== 0 && !stopped; ) {
          removed = await files.reap();
          if (removed > 0) logger.info({ removed }, "reaper removed abandoned uploads");
        }
      } catch (error) {
        logger.error({ err: error }, "reaper pass failed");
      }
    })();
    void running.finally(schedule);
  };
  schedule();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
