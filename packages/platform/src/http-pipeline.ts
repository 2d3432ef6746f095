import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import { Elysia, type ValidationError } from "elysia";
import { AppError, type FieldError, invalidFields, problemResponse } from "./errors.ts";
import type { Platform } from "./platform.ts";
import { readAtMost } from "./read-at-most.ts";
import { currentRequest, type RequestState, withRequestState } from "./request-context.ts";

/*
 * Every step a request goes through, in one place. Around the app (`requestPipeline`): request
 * id, server span (continuing an incoming W3C trace), body size limit, RED metrics, access log.
 * Inside it (`pipelineHooks`, Elysia's global hooks): the route template is recorded, and every
 * error becomes problem+json.
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

/** The steps inside the app: route naming and the mapping of every error to problem+json. */
export function pipelineHooks(platform: Platform) {
  const { logger } = platform;
  return new Elysia({ name: "platform.pipeline" })
    .onTransform({ as: "global" }, ({ route }) => recordRoute(route))
    .onError({ as: "global" }, ({ code, error, route }) => {
      recordRoute(route);
      switch (code) {
        case "VALIDATION":
          return problemResponse(invalidFields(fieldErrors(error)));
        case "PARSE":
          return problemResponse(new AppError("bad_request", "The body is not valid JSON"));
        case "NOT_FOUND":
          return problemResponse(new AppError("not_found", "No such route"));
      }
      if (error instanceof AppError) {
        // A dependency that is down (503) is an expected, retryable state: one warn line with its
        // reason, not an error with a stack on every request until it is back.
        if (error.code === "unavailable") {
          const cause = error.cause instanceof Error ? error.cause.message : undefined;
          logger.warn({ cause }, error.message);
        } else if (error.status >= 500) logger.error({ err: error.cause ?? error }, error.message);
        return problemResponse(error);
      }
      logger.error({ err: error }, "unhandled error");
      return problemResponse(error);
    });
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

function recordRoute(route: string | undefined) {
  const request = currentRequest();
  if (request && route) request.route = route;
}

/** The field paths and messages of a validation error, never the submitted values. */
function fieldErrors(error: Readonly<ValidationError>): FieldError[] {
  const seen = new Set<string>();
  const errors: FieldError[] = [];
  for (const e of precise(error.all)) {
    const path = e.path || "/";
    if (seen.has(path)) continue;
    seen.add(path);
    errors.push({ path, message: e.value === undefined ? "Required" : e.message });
  }
  return errors;
}

interface SchemaError {
  path: string;
  message: string;
  value: unknown;
  /** One error iterator per variant, when the failed schema is a union. */
  errors?: Iterable<SchemaError>[];
}

/**
 * Errors where the value went wrong. A union (a nullable object, say) fails as a whole, "Expected
 * union value" at its own path; when one of its variants failed only deeper down (`/location/name`
 * of a `Location | null`), the caller gets that variant's errors instead.
 */
function precise(all: readonly unknown[]): SchemaError[] {
  return all.flatMap((raw) => {
    if (typeof raw !== "object" || raw === null || !("path" in raw)) return [];
    const error = raw as SchemaError;
    for (const variant of error.errors ?? []) {
      const inner = [...variant];
      if (inner.length > 0 && inner.every((e) => e.path.startsWith(`${error.path}/`)))
        return precise(inner);
    }
    return [error];
  });
}
