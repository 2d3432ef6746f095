import { createGrpcClient, createMtlsChannel } from "@hangout/platform/grpc/client";
import type { ReadinessCheck } from "@hangout/platform/health";
import { defineService } from "@hangout/platform/service/definition";
import { FileServiceDefinition } from "@hangout/proto/file/v1/file";
import { loadMediaConfig, type MediaConfig } from "./config.ts";
import { fileUploadedConsumer } from "./consumers/file-uploaded.ts";
import { createPhotoStore } from "./repositories/photo-store.ts";
import { createScanner, type Scanner } from "./repositories/scanner.ts";
import { createJobMetrics } from "./services/job-metrics.ts";
import type { ProcessUploadDeps } from "./services/process-upload.ts";

export interface MediaDeps {
  jobs: ProcessUploadDeps;
}

function scannerFrom(config: MediaConfig): Scanner | undefined {
  if (!config.CLAMD_SOCKET && !config.CLAMD_HOST) return undefined;
  return createScanner({
    socket: config.CLAMD_SOCKET,
    host: config.CLAMD_HOST,
    port: config.CLAMD_PORT,
    timeoutMs: config.CLAMD_TIMEOUT_MS,
  });
}

/** Readiness names the scanner either way, so an unscanned deployment is visible. */
function scannerCheck(scanner: Scanner | undefined): ReadinessCheck {
  return {
    name: scanner ? "scanner" : "scanner (skipped: no CLAMD_SOCKET or CLAMD_HOST)",
    check: async () => scanner?.ping(),
  };
}

/**
 * The photo worker: consumes file.uploaded, writes the variants to the object store and reports
 * to file over mTLS (docs/decisions/0018-photo-pipeline.md). HTTP has only health, readiness,
 * metrics and docs; it owns no database.
 */
export const mediaService = defineService({
  name: "media",
  description: "The photo worker; it has no API: it consumes file.uploaded and calls file.",
  loadConfig: loadMediaConfig,
  http: (config) => ({ hostname: config.MEDIA_HOST, port: config.MEDIA_HTTP_PORT }),
  database: "none",
  certificates: "required",

  build({ config, platform, certificates }) {
    const store = createPhotoStore(config);
    platform.lifecycle.onClose("object-store", () => store.close());
    const channel = createMtlsChannel(config.FILE_GRPC_TARGET, "file", certificates);
    platform.lifecycle.onClose("grpc-clients", () => channel.close());
    const files = createGrpcClient(FileServiceDefinition, channel, {
      timeoutMs: config.GRPC_TIMEOUT_MS,
      registry: platform.metrics.registry,
    });
    const scanner = scannerFrom(config);
    const jobs: ProcessUploadDeps = {
      store,
      complete: (request) => files.completeProcessing(request),
      scanner,
      limits: { maxPixels: config.MEDIA_MAX_PIXELS, timeoutMs: config.MEDIA_TIMEOUT_MS },
      logger: platform.logger,
    };
    const consumer = fileUploadedConsumer(
      platform,
      config,
      jobs,
      createJobMetrics(platform.metrics.registry),
    );
    return {
      deps: { jobs },
      routes: [],
      readiness: [store.readinessCheck(), scannerCheck(scanner), consumer.readiness],
      prepare: async () => consumer.start(),
    };
  },
});
