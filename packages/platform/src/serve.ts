import { requestPipeline } from "./http-pipeline.ts";
import type { Platform } from "./platform.ts";

export interface HttpService {
  server: Bun.Server<undefined>;
  url: string;
  /** Stops accepting, drains in-flight requests, closes resources. Safe to call twice. */
  shutdown(reason?: string): Promise<void>;
}

/**
 * Serves an app through the request pipeline (http-pipeline.ts) and drains it on shutdown:
 * installs SIGTERM/SIGINT handlers that stop accepting, wait for in-flight requests, close the
 * service's resources and flush the logs.
 */
export function serveHttp(
  platform: Platform,
  app: { handle(request: Request): Promise<Response> },
  options: { hostname: string; port: number; handleSignals?: boolean },
): HttpService {
  const { logger, config } = platform;
  const bodyLimit = config.HTTP_BODY_LIMIT_BYTES;
  const pipeline = requestPipeline(platform, app);

  // Handlers still running. `server.stop()` can resolve while a handler whose client went away
  // is still working, so the drain also waits for this to reach zero before closing the pool.
  const inFlight = { count: 0, idle: Promise.withResolvers<void>() };

  async function handle(request: Request, server: Bun.Server<undefined>): Promise<Response> {
    inFlight.count++;
    try {
      return await pipeline(request, { address: () => server.requestIP(request)?.address });
    } finally {
      if (--inFlight.count === 0 && platform.lifecycle.draining) inFlight.idle.resolve();
    }
  }

  const server = Bun.serve({
    hostname: options.hostname,
    port: options.port,
    // Bun answers bodies over this itself, with a bare 413, before `fetch` runs. It is set high
    // so that `withinBodyLimit` answers problem+json; that check never reads past the limit.
    maxRequestBodySize: Math.max(bodyLimit, 256 * 1024 * 1024),
    fetch: handle,
  });
  const url = `http://${options.hostname}:${server.port}`;
  logger.info({ url }, `${platform.service} listening`);

  let stopping: Promise<void> | undefined;
  const shutdown = (reason = "shutdown") => {
    if (inFlight.count === 0) inFlight.idle.resolve();
    stopping ??= drain(platform, server, inFlight.idle.promise, reason);
    return stopping;
  };
  if (options.handleSignals ?? true) {
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      process.once(signal, () => {
        void shutdown(signal).then(() => process.exit(0));
      });
    }
  }
  return { server, url, shutdown };
}

async function drain(
  platform: Platform,
  server: Bun.Server<undefined>,
  handlersIdle: Promise<void>,
  reason: string,
) {
  const { logger, lifecycle, config } = platform;
  logger.info({ reason }, "draining");
  lifecycle.startDrain(logger);
  let timer: Timer | undefined;
  const timedOut = await Promise.race([
    Promise.all([server.stop(false), handlersIdle]).then(() => false),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), config.SHUTDOWN_TIMEOUT_MS);
    }),
  ]);
  clearTimeout(timer);
  if (timedOut) {
    logger.warn("drain timed out; closing remaining connections");
    await server.stop(true);
  }
  await lifecycle.closeAll(logger);
  logger.info("stopped");
  // The logger writes asynchronously; without this the last lines are lost at process.exit.
  await new Promise<void>((resolve) => logger.flush(() => resolve()));
}
