import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import { Elysia } from "elysia";
import { allowedMethods, type RouteEntry } from "./allowed-methods.ts";
import { AppError, invalidFields, problemResponse } from "./errors.ts";
import { bodyParser, type ParsedRoute } from "./json-body.ts";
import type { Platform } from "./platform.ts";
import { currentRequest, type RequestState, withRequestState } from "./request-context.ts";
import { oversizedHead, withinBodyLimit } from "./request-limits.ts";
import { isUnreachable, unreachableError } from "./unreachable.ts";
import { fieldErrors } from "./validation-messages.ts";

/*
 * Every step a request goes through, in one place. Around the app (`requestPipeline`): request
 * id, server span (continuing an incoming W3C trace), URL, header and body size limits, RED
 * metrics, access log. Inside it (`pipelineHooks`, Elysia's global hooks): every body is parsed
 * by one strict JSON parser (json-body.ts; a form parser instead on a route that declares
 * `parse: "urlencoded"`), the route template is recorded, and every error becomes problem+json.
 */

const REQUEST_ID = /^[\w.:-]{1,128}$/;
const headerGetter = {
  keys: (h: Headers) => [...h.keys()],
  get: (h: Headers, key: string) => h.get(key) ?? undefined,
};

/** What a request handler needs of the server it runs in. */
export interface Peer {
  address(): string | undefined;
}

/** Wraps `app.handle` in the steps around every request. */
export function requestPipeline(
  platform: Platform,
  app: { handle(request: Request): Promise<Response> },
): (request: Request, peer: Peer) => Promise<Response> {
  const { logger, metrics, telemetry, config } = platform;
  const bodyLimit = config.HTTP_BODY_LIMIT_BYTES;

  return async (request, peer) => {
    const started = performance.now();
    const incomingId = request.headers.get("x-request-id");
    const state: RequestState = {
      requestId: incomingId && REQUEST_ID.test(incomingId) ? incomingId : Bun.randomUUIDv7(),
      clientAddress: () => peer.address(),
    };
    const pathStart = request.url.indexOf("/", request.url.indexOf("//") + 2);
    const path = pathOf(request.url, pathStart);
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
      const checked =
        oversizedHead(request, pathStart) ??
        undecodable(path) ??
        (request.body ? await withinBodyLimit(request, bodyLimit) : request);
      response =
        checked instanceof Response ? checked : await context.with(ctx, () => app.handle(checked));
    } catch (error) {
      context.with(ctx, () => logger.error({ err: error }, "request failed outside the app"));
      response = problemResponse(error);
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
  };
}

/**
 * The steps inside the app: the body parser, route naming and the mapping of every error to
 * problem+json. `routes` lists the app's routes once they are all registered (for 405s).
 */
export function pipelineHooks(
  platform: Platform,
  routes: () => readonly (RouteEntry & ParsedRoute)[],
) {
  const { logger } = platform;
  const allowed = allowedMethods(routes);
  const parseBody = bodyParser(routes);
  return new Elysia({ name: "platform.pipeline" })
    .onParse({ as: "global" }, ({ request, route }) => parseBody(request, route))
    .onTransform({ as: "global" }, ({ route }) => recordRoute(route))
    .onError({ as: "global" }, ({ code, error, route, path }) => {
      recordRoute(route);
      switch (code) {
        case "VALIDATION":
          return problemResponse(invalidFields(fieldErrors(error.all)));
        case "PARSE":
          return problemResponse(
            error.cause instanceof AppError
              ? error.cause
              : new AppError("bad_request", "The body is not valid JSON"),
          );
        case "NOT_FOUND": {
          const allow = allowed(path);
          return problemResponse(
            allow.length > 0
              ? new AppError("method_not_allowed", `This path serves ${allow.join(", ")}`, {
                  allow,
                })
              : new AppError("not_found", "No such route"),
          );
        }
      }
      const known =
        error instanceof AppError ? error : isUnreachable(error) ? unreachableError(error) : null;
      if (known) {
        // A dependency that is down (503) is an expected, retryable state: one warn line with its
        // reason, not an error with a stack on every request until it is back.
        if (known.code === "unavailable") {
          const cause = known.cause instanceof Error ? known.cause.message : undefined;
          logger.warn({ cause }, known.message);
        } else if (known.status >= 500) logger.error({ err: known.cause ?? known }, known.message);
        return problemResponse(known);
      }
      logger.error({ err: error }, "unhandled error");
      return problemResponse(error);
    });
}

/**
 * A 404 for a path that is not valid percent-encoded UTF-8 (`/hangouts/%FF`): no route can name
 * it, and the framework would hand the handler a null parameter.
 */
function undecodable(path: string): Response | undefined {
  if (!path.includes("%")) return undefined;
  try {
    decodeURIComponent(path);
    return undefined;
  } catch {
    return problemResponse(new AppError("not_found", "The path is not valid UTF-8"));
  }
}

/** The path of an absolute URL, without parsing the whole URL on every request. */
function pathOf(url: string, start: number): string {
  if (start < 0) return "/";
  const end = url.indexOf("?", start);
  return end < 0 ? url.slice(start) : url.slice(start, end);
}

function recordRoute(route: string | undefined) {
  const request = currentRequest();
  if (request && route) request.route = route;
}
