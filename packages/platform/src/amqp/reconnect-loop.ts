import type { Logger } from "../logger.ts";

export interface ReconnectOptions {
  /** One connection's life: resolves when it ends (why, for the log), throws when it cannot start. */
  session(): Promise<string>;
  stopped(): boolean;
  /** Waits between attempts: doubling from `initial` up to `max`, with jitter. */
  delay: { initial: number; max: number };
  logger: Logger;
  /** Names the connection in the log lines (`{ queue }`, `{ name }`). */
  context: Record<string, string>;
  /** What the log calls this client ("consumer", "live fan-out"). */
  what: string;
  /** A session could not start: the reason readiness reports until the next one does. */
  onUnreachable(problem: string): void;
}

export interface ReconnectLoop {
  /** Ends once `stopped()` is true and the current session or wait is over. */
  done: Promise<void>;
  /** Cuts the current wait short (stop() calls it so shutdown does not wait out a back-off). */
  wake(): void;
}

/** Runs sessions against the broker, again and again, until stopped: the one reconnect policy. */
export function reconnectLoop(options: ReconnectOptions): ReconnectLoop {
  const { logger, context, what, delay } = options;
  let wake: (() => void) | undefined;
  async function run() {
    let failures = 0;
    while (!options.stopped()) {
      try {
        const problem = await options.session();
        failures = 0;
        if (!options.stopped()) {
          logger.warn({ ...context, problem }, `${what} lost the broker; reconnecting`);
        }
      } catch (error) {
        failures++;
        options.onUnreachable(
          `broker unreachable: ${error instanceof Error ? error.message : "unknown"}`,
        );
        if (failures === 1) logger.warn({ err: error, ...context }, `${what} cannot connect`);
      }
      if (options.stopped()) break;
      const base = Math.min(delay.max, delay.initial * 2 ** Math.min(failures, 20));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, base * (0.5 + Math.random() * 0.5));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  }
  return { done: run(), wake: () => wake?.() };
}
