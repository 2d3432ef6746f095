import { createDatabase } from "@hangout/platform/db";
import { serviceRelay } from "@hangout/platform/outbox/service-relay";
import { defineService } from "@hangout/platform/service/definition";
import { FileServiceDefinition } from "@hangout/proto/file/v1/file";
import { loadFileConfig } from "./config.ts";
import { schema } from "./db/schema.ts";
import { ALLOWED_CALLERS, perMethodCallers } from "./grpc/callers.ts";
import { fileService as fileServiceHandlers } from "./grpc/file-service.ts";
import { createFilesRepository } from "./repositories/files.ts";
import { createObjectStore, type ObjectStore } from "./repositories/object-store.ts";
import { createFiles, type Files } from "./services/files.ts";
import { createProcessing, type Processing } from "./services/processing.ts";
import { createRequeue, type Requeue } from "./services/requeue.ts";
import { processingSweepTask } from "./tasks/processing-sweep.ts";
import { reaperTask } from "./tasks/reaper.ts";

export interface FileDeps {
  files: Files;
  processing: Processing;
  requeue: Requeue;
  store: ObjectStore;
}

export { ALLOWED_CALLERS };

/**
 * Internal file storage: gRPC FileService over mTLS, and an HTTP server with only health,
 * readiness, metrics and docs.
 */
export const fileService = defineService({
  name: "file",
  description: "Internal file storage; its API is gRPC file.v1.FileService (mTLS).",
  loadConfig: loadFileConfig,
  http: (config) => ({ hostname: config.FILE_HOST, port: config.FILE_HTTP_PORT }),
  databaseUrl: (config) => config.FILE_DATABASE_URL,
  certificates: "required",

  build({ config, platform, clock, pool, hot }) {
    const store = createObjectStore(config);
    platform.lifecycle.onClose("object-store", () => store.close());
    const repo = createFilesRepository(createDatabase(pool, schema), hot);
    const files = createFiles({ repo, store, config, clock, logger: platform.logger });
    const processing = createProcessing({ repo, store, clock, logger: platform.logger });
    const requeue = createRequeue({
      repo,
      processing,
      clock,
      logger: platform.logger,
      stuckSeconds: config.FILE_PROCESSING_STUCK_SECONDS,
      giveUpSeconds: config.FILE_PROCESSING_GIVE_UP_SECONDS,
      registry: platform.metrics.registry,
    });
    // Publishes file.uploaded and file.processed (docs/decisions/0014-outbox-relay.md, 0018).
    const relay = serviceRelay(platform, config, pool);
    const corsOrigins = config.S3_CORS_ORIGINS.split(",")
      .map((origin) => origin.trim())
      .filter(Boolean);
    return {
      deps: { files, processing, requeue, store },
      routes: [],
      readiness: [store.readinessCheck(), relay.readiness],
      grpc: {
        port: config.FILE_GRPC_PORT,
        allowedCallers: ALLOWED_CALLERS,
        register: (server) =>
          server.add(
            FileServiceDefinition,
            perMethodCallers(fileServiceHandlers(files, processing)),
          ),
      },
      prepare: async () => {
        await store.ensureBucket(corsOrigins);
        relay.start();
      },
      tasks: [
        reaperTask(files, config.FILE_REAPER_INTERVAL_SECONDS, platform.logger),
        processingSweepTask(requeue, config.FILE_PROCESSING_SWEEP_INTERVAL_SECONDS),
      ],
    };
  },
});
