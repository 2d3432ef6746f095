import { Elysia, t } from "elysia";
import { type ReadinessCheck, runReadinessChecks } from "./health.ts";
import { OneOf } from "./http-schemas.ts";
import type { Lifecycle } from "./platform.ts";

/**
 * Paths only a caller next to the service reaches (orchestrators, Envoy's health checks): the
 * public edge does not route them (envoy/README.md), so the OpenAPI document says so.
 */
export const LOCAL_ONLY_PATHS: readonly string[] = ["/healthz", "/readyz"];

const Alive = t.Object({ status: t.Literal("ok") });

const Readiness = t.Object(
  {
    status: OneOf(["ready", "not_ready", "draining"]),
    checks: t.Record(t.String(), t.String(), {
      description: 'Each check by name: "ok", or "failed: " and why',
    }),
  },
  { description: "Whether every dependency answered, and each check's result" },
);

/** `/healthz` (the process answers) and `/readyz` (its dependencies do, and it is not draining). */
export const healthRoutes = (lifecycle: Lifecycle, readiness: ReadinessCheck[]) =>
  new Elysia()
    .get("/healthz", () => ({ status: "ok" as const }), {
      response: { 200: Alive },
      detail: { tags: ["ops"], summary: "The process is alive", security: [] },
    })
    .get(
      "/readyz",
      async ({ set }) => {
        if (lifecycle.draining) {
          set.status = 503;
          return { status: "draining" as const, checks: {} };
        }
        const report = await runReadinessChecks(readiness);
        set.status = report.ready ? 200 : 503;
        return {
          status: report.ready ? ("ready" as const) : ("not_ready" as const),
          checks: report.checks,
        };
      },
      {
        response: { 200: Readiness, 503: Readiness },
        detail: {
          tags: ["ops"],
          summary: "Dependencies are reachable",
          description: "503 while a check fails or the process is draining for shutdown.",
          security: [],
        },
      },
    );
