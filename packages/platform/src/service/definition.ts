import type { AnyElysia } from "elysia";
import type mysql from "mysql2/promise";
import type { Server } from "nice-grpc";
import type { CertificateManager } from "../certificates/certificate-manager.ts";
import type { CertificateConfig, CommonConfig } from "../config.ts";
import type { ReadinessCheck } from "../health.ts";
import type { HotSql } from "../hot-sql.ts";
import type { Platform } from "../platform.ts";

/** What every service's config holds: the common variables and where its certificate comes from. */
export type ServiceConfig = CommonConfig & CertificateConfig;

/** How a service gets its mTLS identity; see `ServiceDefinition.certificates`. */
export type CertificateNeed = "required" | "optional";

/**
 * Whether a service owns a database: every service does but the media worker, whose results
 * live in the object store and in the file service (docs/decisions/0018-photo-pipeline.md).
 */
export type DatabaseNeed = "database" | "none";

/** What a service's `build` gets from the skeleton, already made and closed on shutdown. */
export interface ServiceKit<
  C extends ServiceConfig,
  N extends CertificateNeed = CertificateNeed,
  B extends DatabaseNeed = "database",
> {
  config: C;
  platform: Platform;
  /** The time source; tests move it forward instead of sleeping. */
  clock: () => Date;
  /** The service's own database; none for `database: "none"`. */
  pool: B extends "database" ? mysql.Pool : undefined;
  /**
   * The same database through Bun's client, for the hot statements alone
   * (docs/decisions/0021-hot-statements-on-bun-sql.md); none for `database: "none"`.
   */
  hot: B extends "database" ? HotSql : undefined;
  /** The service's mTLS identity; undefined only for `certificates: "optional"` without a CA. */
  certificates: N extends "required" ? CertificateManager : CertificateManager | undefined;
}

/** Periodic work (a reaper, a sweeper): never overlapping, stopped before the pool closes. */
export interface ServiceTask {
  name: string;
  intervalSeconds: number;
  run(): Promise<void>;
}

/** What a service is made of, returned by its `build`. */
export interface ServiceParts<D> {
  /** What routes, gRPC handlers and tasks use; tests reach the service's use cases here. */
  deps: D;
  /** The public HTTP routes, in order (one Elysia plugin per route or group). */
  routes: AnyElysia[];
  /** Checks `/readyz` runs besides the database and the certificate. */
  readiness?: ReadinessCheck[];
  /** The internal gRPC API, served over mTLS when the service has a certificate. */
  grpc?: {
    port: number;
    /** Certificate identities (service names) allowed to call. */
    allowedCallers: string[];
    register(server: Server): void;
  };
  /** Work that must finish before anything is served (a bucket, its CORS rules). */
  prepare?: () => Promise<void>;
  tasks?: ServiceTask[];
}

/**
 * A service, as `app.ts` defines it: its name, its config, where it listens and how its parts are
 * built. The skeleton (`start.ts`) does the rest in the same order for every service.
 */
export interface ServiceDefinition<
  C extends ServiceConfig,
  D,
  N extends CertificateNeed = CertificateNeed,
  B extends DatabaseNeed = "database",
> {
  /** "none" for a service without a database of its own; otherwise leave it out. */
  database?: B;
  /** Required unless `database` is "none": `startService` refuses to start without it. */
  databaseUrl?: (config: C) => string;
  name: string;
  /** One sentence for the OpenAPI document. */
  description: string;
  loadConfig(env?: Record<string, string | undefined>): C;
  http(config: C): { hostname: string; port: number };
  /**
   * "required": the service serves or calls gRPC and refuses to start without a CA configured;
   * "optional": without one its gRPC server is off.
   */
  certificates: N;
  build(kit: ServiceKit<C, N, B>): Promise<ServiceParts<D>> | ServiceParts<D>;
}

/** Types a service definition; it does nothing at run time. */
export const defineService = <
  C extends ServiceConfig,
  D,
  N extends CertificateNeed,
  B extends DatabaseNeed = "database",
>(
  definition: ServiceDefinition<C, D, N, B>,
): ServiceDefinition<C, D, N, B> => definition;
