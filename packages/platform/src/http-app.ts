import { type AnyElysia, Elysia } from "elysia";
import { docs } from "./docs.ts";
import { registerFormats } from "./formats.ts";
import type { ReadinessCheck } from "./health.ts";
import { healthRoutes } from "./health-routes.ts";
import { pipelineHooks } from "./http-pipeline.ts";
import type { Platform } from "./platform.ts";
import { trustSuccessBodies } from "./response-schemas.ts";

export interface HttpAppOptions {
  version: string;
  description: string;
  readiness: ReadinessCheck[];
  /** The service's routes, in order. */
  routes?: AnyElysia[];
  /**
   * Skip re-checking success bodies against their schemas on every request; the test harnesses
   * check them instead (docs/decisions/0010-trusted-success-bodies.md).
   */
  trustSuccessBodies?: boolean;
  /**
   * Put Elysia's regex checks back for TypeBox's string formats (email, uuid), which
   * `@elysiajs/openapi` replaces process-wide with slower ones (formats.ts).
   */
  fastStringFormats?: boolean;
}

/**
 * The Elysia app of every HTTP service: the pipeline's hooks (body parser, route naming,
 * problem+json errors),
 * health and readiness, Prometheus metrics, the OpenAPI docs, then the service's routes.
 */
export function createHttpApp(platform: Platform, options: HttpAppOptions) {
  const { metrics, lifecycle } = platform;
  registerFormats({ fast: options.fastStringFormats ?? false });
  // `normalize: false`: a field a body schema does not declare is a 422 naming it, not silently
  // dropped (docs/decisions/0013-unknown-fields-refused.md).
  let routes: () => AnyElysia["routes"] = () => [];
  const app = new Elysia({ name: `${platform.service}.http`, normalize: false })
    .use(pipelineHooks(platform, () => routes()))
    .use(
      docs({
        title: `${platform.service} API`,
        version: options.version,
        description: options.description,
      }),
    )
    .use(healthRoutes(lifecycle, options.readiness))
    .get(
      "/metrics",
      async ({ set }) => {
        set.headers["content-type"] = metrics.registry.contentType;
        return metrics.registry.metrics();
      },
      { detail: { hide: true } },
    );
  for (const route of options.routes ?? []) app.use(route);
  routes = () => app.routes;
  // Elysia compiles a route's checks on its first request, so this must come before any.
  if (options.trustSuccessBodies) trustSuccessBodies(app);
  return app;
}
