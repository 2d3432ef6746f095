import { certificatesFromConfig } from "@hangout/platform/certificates/from-config";
import { createDatabase, createPool, databaseCheck } from "@hangout/platform/db";
import { createGrpcServer } from "@hangout/platform/grpc/server";
import { createHttpApp } from "@hangout/platform/http-app";
import { createPlatform, type PlatformOptions } from "@hangout/platform/platform";
import { FileServiceDefinition } from "@hangout/proto/file/v1/file";
import type { FileConfig } from "./config.ts";
import { schema } from "./db/schema.ts";
import { fileService } from "./grpc/file-service.ts";
import { createFilesRepository } from "./repositories/files.ts";
import { createFiles } from "./services/files.ts";
import { startReaper } from "./services/reaper.ts";
import { createObjectStore } from "./storage/object-store.ts";

/** Certificate identities allowed to call FileService. */
export const ALLOWED_CALLERS = ["hangout"];

export interface FileServiceOptions {
  /** The time source; tests move it forward instead of sleeping. */
  clock?: () => Date;
  logDestination?: PlatformOptions["logDestination"];
}

/**
 * Wires the file service: a gRPC server (mTLS, FileService + health) and an HTTP app with only
 * health, readiness and metrics. Without a CA configured it cannot serve and refuses to start.
 */
export async function createFileService(config: FileConfig, options: FileServiceOptions = {}) {
  const clock = options.clock ?? (() => new Date());
  const platform = createPlatform("file", config, { logDestination: options.logDestination });
  const pool = createPool(config.FILE_DATABASE_URL);
  platform.lifecycle.onClose("database", () => pool.end());
  const store = createObjectStore(config);
  platform.lifecycle.onClose("object-store", () => store.close());
  const files = createFiles({
    repo: createFilesRepository(createDatabase(pool, schema)),
    store,
    config,
    clock,
    logger: platform.logger,
  });
  const certificates = await certificatesFromConfig(
    "file",
    config,
    platform.logger,
    platform.metrics.registry,
  ).then((manager) => {
    if (!manager) throw new Error("file serves only over mTLS: set STEP_CA_URL or LOCAL_CA_DIR");
    return manager;
  });

  const app = createHttpApp(platform, {
    version: "1.0.0",
    description: "Internal file storage; its API is gRPC file.v1.FileService (mTLS).",
    readiness: [databaseCheck(pool), store.readinessCheck(), certificates.readinessCheck()],
  });

  /** Bucket and CORS, certificate, then the gRPC server and the reaper. Returns the gRPC port. */
  async function start(): Promise<number> {
    await store.ensureBucket(
      config.S3_CORS_ORIGINS.split(",")
        .map((origin) => origin.trim())
        .filter(Boolean),
    );
    await certificates.start();
    platform.lifecycle.onClose("certificates", () => certificates.stop());
    const grpc = createGrpcServer({
      certificates,
      allowedCallers: ALLOWED_CALLERS,
      logger: platform.logger,
      registry: platform.metrics.registry,
    });
    grpc.server.add(FileServiceDefinition, fileService(files));
    const port = await grpc.listen(`${config.FILE_HOST}:${config.FILE_GRPC_PORT}`);
    platform.lifecycle.onClose("grpc", () => grpc.shutdown());
    const reaper = startReaper(files, config.FILE_REAPER_INTERVAL_SECONDS, platform.logger);
    platform.lifecycle.onClose("reaper", () => reaper.stop());
    platform.logger.info({ port }, "FileService gRPC listening (mTLS)");
    return port;
  }

  return { platform, app, pool, files, store, certificates, start };
}
