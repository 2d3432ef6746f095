import { Elysia, type ValidationError } from "elysia";
import { docs } from "./docs.ts";
import { AppError, type FieldError, invalidFields, problemResponse } from "./errors.ts";
import { type ReadinessCheck, runReadinessChecks } from "./health.ts";
import type { Platform } from "./platform.ts";
import { currentRequest } from "./request-context.ts";

export interface HttpAppOptions {
  version: string;
  description: string;
  readiness: ReadinessCheck[];
}

/**
 * The base Elysia app of every HTTP service: problem+json errors, health and readiness,
 * Prometheus metrics and the OpenAPI docs. Services chain their routes onto it.
 */
export function createHttpApp(platform: Platform, options: HttpAppOptions) {
  const { logger, metrics, lifecycle } = platform;
  return new Elysia({ name: `${platform.service}.http` })
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
    })
    .use(
      docs({
        title: `${platform.service} API`,
        version: options.version,
        description: options.description,
      }),
    )
    .get("/healthz", () => ({ status: "ok" as const }), {
      detail: { tags: ["ops"], summary: "The process is alive" },
    })
    .get(
      "/readyz",
      async ({ set }) => {
        if (lifecycle.draining) {
          set.status = 503;
          return { status: "draining", checks: {} };
        }
        const report = await runReadinessChecks(options.readiness);
        set.status = report.ready ? 200 : 503;
        return { status: report.ready ? "ready" : "not_ready", checks: report.checks };
      },
      { detail: { tags: ["ops"], summary: "Dependencies are reachable" } },
    )
    .get(
      "/metrics",
      async ({ set }) => {
        set.headers["content-type"] = metrics.registry.contentType;
        return metrics.registry.metrics();
      },
      { detail: { hide: true } },
    );
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
