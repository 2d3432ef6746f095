import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import { AppError, problemResponse } from "./errors.ts";
import type { Platform } from "./platform.ts";
import { readAtMost } from "./read-at-most.ts";
import { type RequestState, withRequestState } from "./request-context.ts";
import { type RoutedApp, trustSuccessBodies } from "./response-schemas.ts";

interface Handler extends RoutedApp {
  handle(request: Request): Promise<Response>;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;
const headerGetter = {
  keys: (h: Headers) => [...h.keys()],
  get: (h: Headers, key: string) => h.get(key) ?? undefined,
};

export interface HttpService {
  server: Bun.Server<undefined>;
  url: string;
  /** Stops accepting, drains in-flight requests, closes resources. Safe to call twice. */
  shutdown(reason?: string): Promise<void>;
}

/**
 * Serves an app with what every request needs around it: a request id, a server span with the
 * route template (continuing an incoming W3C trace), RED metrics, a body size limit and an
 * access log line. Installs SIGTERM/SIGINT handlers that drain before exiting.
 */
export function serveHttp(
  platform: Platform,
  app: Handler,
  options: { hostname: string; port: number; handleSignals?: boolean },
): HttpService {
  const { logger, metrics, telemetry, config } = platform;
  const bodyLimit = config.HTTP_BODY_LIMIT_BYTES;
  trustSuccessBodies(app);

  // Handlers still running. `server.stop()` can resolve while a handler whose client went away
  // is still working, so the drain also waits for this to reach zero before closing the pool.
  const inFlight = { count: 0, idle: Promise.withResolvers<void>() };

  async function handle(request: Request, server: Bun.Server<undefined>): Promise<Response> {
    inFlight.count++;
    const started = performance.now();
    const incomingId = request.headers.get("x-request-id");
    const state: RequestState = {
      requestId: incomingId && REQUEST_ID.test(incomingId) ? incomingId : Bun.randomUUIDv7(),
      clientAddress: () => server.requestIP(request)?.address,
    };
    const path = pathOf(request.url);
    const parent = propagation.extract(ROOT_CONTEXT, request.headers, headerGetter);
    const span = telemetry.tracer.startSpan(
      request.method,
      {
        kind: SpanKind.SERVER,
        attributes: { "http.request.method": request.method, "url.path": path },
      },
      parent,
    );
    const ctx = withRequestState(trace.setSpan(parent, span), state);

    let response: Response;
    try {
      // Requests without a body (GETs) skip the extra await of the size check.
      const checked = request.body ? await withinBodyLimit(request, bodyLimit) : request;
      response =
        checked instanceof Response ? checked : await context.with(ctx, () => app.handle(checked));
    } catch (error) {
      context.with(ctx, () => logger.error({ err: error }, "request failed outside the app"));
      response = problemResponse(error);
    } finally {
      if (--inFlight.count === 0 && platform.lifecycle.draining) inFlight.idle.resolve();
    }

    const route = state.route ?? "unmatched";
    const status = response.status;
    span.updateName(`${request.method} ${route}`);
    span.setAttributes({ "http.route": route, "http.response.status_code": status });
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
    const seconds = (performance.now() - started) / 1000;
    metrics.observe(request.method, route, status, seconds);
    // Envoy writes the access log at the edge; here successes are debug, failures stand out.
    const level = status >= 500 ? "warn" : status >= 400 ? "info" : "debug";
    if (logger.isLevelEnabled(level)) {
      const fields = {
        method: request.method,
        route,
        status,
        durationMs: Math.round(seconds * 1e4) / 10,
      };
      context.with(ctx, () => logger[level](fields, "request"));
    }
    try {
      response.headers.set("x-request-id", state.requestId);
    } catch {
      // Immutable headers: the answer to a request whose client has gone; nobody reads it.
    }
    return response;
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

/** The path of an absolute URL, without parsing the whole URL on every request. */
function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return "/";
  const end = url.indexOf("?", start);
  return end < 0 ? url.slice(start) : url.slice(start, end);
}

/**
 * The request, or a 413 problem when its body is over the limit. A declared Content-Length is
 * checked without reading; a chunked body is measured as it is read and the request rebuilt.
 */
async function withinBodyLimit(request: Request, limit: number): Promise<Request | Response> {
  const tooLarge = () =>
    problemResponse(new AppError("payload_too_large", `The body exceeds ${limit} bytes`));
  const declared = request.headers.get("content-length");
  if (declared !== null) return Number(declared) > limit ? tooLarge() : request;
  if (!request.body) return request;
  const body = await readAtMost(request.body, limit);
  return body ? new Request(request, { body }) : tooLarge();
}

async function drain(
  platform: Platform,
  server: Bun.Server<undefined>,
  handlersIdle: Promise<void>,
  reason: string,
) {
  const { logger, lifecycle, config } = platform;
  lifecycle.draining = true;
  logger.info({ reason }, "draining");
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
