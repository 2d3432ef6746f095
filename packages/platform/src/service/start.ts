import type { AnyElysia } from "elysia";
import type { CertificateManager } from "../certificates/certificate-manager.ts";
import { certificatesFromConfig } from "../certificates/from-config.ts";
import { createPool, databaseCheck } from "../db.ts";
import { createGrpcServer } from "../grpc/server.ts";
import { createHotSql } from "../hot-sql.ts";
import { createHttpApp } from "../http-app.ts";
import { startPeriodic } from "../periodic.ts";
import { createPlatform, type Platform, type PlatformOptions } from "../platform.ts";
import { type HttpService, serveHttp } from "../serve.ts";
import type {
  CertificateNeed,
  DatabaseNeed,
  ServiceConfig,
  ServiceDefinition,
  ServiceKit,
} from "./definition.ts";

export interface StartOptions {
  /** The time source; tests move it forward instead of sleeping. */
  clock?: () => Date;
  logDestination?: PlatformOptions["logDestination"];
  /** Overrides the configured HTTP port; 0 picks a free one (tests). */
  httpPort?: number;
  /** Drain and exit on SIGTERM/SIGINT (default true; tests stop the service themselves). */
  handleSignals?: boolean;
}

export interface RunningService<C extends ServiceConfig, D, B extends DatabaseNeed = "database"> {
  config: C;
  platform: Platform;
  deps: D;
  app: AnyElysia;
  pool: ServiceKit<C, CertificateNeed, B>["pool"];
  hot: ServiceKit<C, CertificateNeed, B>["hot"];
  certificates: CertificateManager | undefined;
  /** The HTTP base URL. */
  url: string;
  /** The gRPC port, when the service serves gRPC. */
  grpcPort: number | undefined;
  /** Stops accepting, drains, then closes everything in reverse order of opening. */
  shutdown: HttpService["shutdown"];
}

/**
 * Starts a service from its definition, in the same order for every service: platform (logs,
 * metrics, traces), database pool, certificate, the service's own parts, then the certificate's
 * first issue, `prepare`, the gRPC server, HTTP, and the periodic tasks last. Shutdown closes
 * them in reverse.
 */
export async function startService<
  C extends ServiceConfig,
  D,
  N extends CertificateNeed,
  B extends DatabaseNeed = "database",
>(
  definition: ServiceDefinition<C, D, N, B>,
  config: C,
  options: StartOptions = {},
): Promise<RunningService<C, D, B>> {
  const { name } = definition;
  const platform = createPlatform(name, config, { logDestination: options.logDestination });
  try {
    return await start(definition, config, options, platform);
  } catch (error) {
    // Whatever opened before the failure (the pool, a certificate timer) must not keep the
    // process alive.
    await platform.lifecycle.closeAll(platform.logger);
    throw error;
  }
}

async function start<C extends ServiceConfig, D, N extends CertificateNeed, B extends DatabaseNeed>(
  definition: ServiceDefinition<C, D, N, B>,
  config: C,
  options: StartOptions,
  platform: Platform,
): Promise<RunningService<C, D, B>> {
  const { name } = definition;
  const { logger, lifecycle, metrics } = platform;
  const url = databaseUrl(definition, config);
  const pool = url === undefined ? undefined : createPool(url);
  if (pool) lifecycle.onClose("database", () => pool.end());
  const hot =
    url === undefined
      ? undefined
      : createHotSql(url, { connections: config.DATABASE_HOT_CONNECTIONS });
  if (hot) lifecycle.onClose("database (hot statements)", () => hot.close());
  const certificates = await certificatesFromConfig(name, config, logger, metrics.registry);
  if (!certificates && definition.certificates === "required") {
    throw new Error(`${name} needs its mTLS certificate: set STEP_CA_URL or LOCAL_CA_DIR`);
  }

  const clock = options.clock ?? (() => new Date());
  const parts = await definition.build({
    config,
    platform,
    clock,
    pool: pool as ServiceKit<C, N, B>["pool"],
    hot: hot as ServiceKit<C, N, B>["hot"],
    // Checked just above: a service that requires its certificate has one here.
    certificates: certificates as ServiceKit<C, N, B>["certificates"],
  });
  const app = createHttpApp(platform, {
    version: "1.0.0",
    description: definition.description,
    readiness: [
      ...(pool ? [databaseCheck(pool)] : []),
      ...(certificates ? [certificates.readinessCheck()] : []),
      ...(parts.readiness ?? []),
    ],
    routes: parts.routes,
    trustSuccessBodies: true,
    fastStringFormats: true,
  });

  if (certificates) {
    await certificates.start();
    lifecycle.onClose("certificates", () => certificates.stop());
  }
  await parts.prepare?.();

  let grpcPort: number | undefined;
  const { hostname, port } = definition.http(config);
  if (parts.grpc && certificates) {
    const grpc = createGrpcServer({
      certificates,
      allowedCallers: parts.grpc.allowedCallers,
      logger,
      registry: metrics.registry,
    });
    parts.grpc.register(grpc.server);
    grpcPort = await grpc.listen(`${hostname}:${parts.grpc.port}`);
    lifecycle.onClose("grpc", () => grpc.shutdown());
    logger.info({ port: grpcPort }, `${name} gRPC listening (mTLS)`);
  } else if (parts.grpc) {
    logger.info("no CA configured (STEP_CA_URL, LOCAL_CA_DIR): the gRPC server is off");
  }

  const http = serveHttp(platform, app, {
    hostname,
    port: options.httpPort ?? port,
    handleSignals: options.handleSignals,
  });
  for (const task of parts.tasks ?? []) {
    const periodic = startPeriodic(task.name, task.intervalSeconds, task.run, logger);
    lifecycle.onClose(task.name, () => periodic.stop());
  }
  return {
    config,
    platform,
    deps: parts.deps,
    app,
    pool: pool as ServiceKit<C, N, B>["pool"],
    hot: hot as ServiceKit<C, N, B>["hot"],
    certificates,
    url: http.url,
    grpcPort,
    shutdown: http.shutdown,
  };
}

function databaseUrl<C extends ServiceConfig, B extends DatabaseNeed>(
  definition: ServiceDefinition<C, unknown, CertificateNeed, B>,
  config: C,
) {
  if (definition.database === "none") return undefined;
  if (!definition.databaseUrl) {
    throw new Error(`${definition.name} has no databaseUrl: give one, or say database: "none"`);
  }
  return definition.databaseUrl(config);
}
