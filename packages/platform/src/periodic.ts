import type { Logger } from "./logger.ts";

/**
 * Runs `task` every `intervalSeconds` (±10% jitter, so instances spread out) until stopped.
 * Runs never overlap; a failed run is logged and the next one retries. `stop()` waits for a run
 * in progress, so shutdown never closes a pool under it.
 */
export function startPeriodic(
  name: string,
  intervalSeconds: number,
  task: () => Promise<void>,
  logger: Logger,
) {
  let timer: Timer | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(
      () => {
        running = task().catch((error: unknown) => {
          logger.error({ err: error, task: name }, `${name} failed; retrying next interval`);
        });
        void running.finally(schedule);
      },
      intervalSeconds * 1000 * (0.9 + Math.random() * 0.2),
    );
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
