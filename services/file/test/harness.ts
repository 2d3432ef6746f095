import { createMtlsChannel } from "@hangout/platform/grpc/client";
import { cleanUp } from "@hangout/platform/inbox/inbox.fixture";
import { testAmqpUrl, testExchange } from "@hangout/platform/outbox/outbox.fixture";
import { type RunningService, startService } from "@hangout/platform/service/start";
import { createTestDatabase, type TestDatabase } from "@hangout/platform/testing/database";
import { freePort } from "@hangout/platform/testing/ports";
import { type LocalS3, startLocalS3 } from "@hangout/platform/testing/s3-server";
import type { TestCa } from "@hangout/platform/testing/step-ca";
import { type FileServiceClient, FileServiceDefinition } from "@hangout/proto/file/v1/file";
import { createClient } from "nice-grpc";
import { type FileDeps, fileService } from "../src/app.ts";
import { type FileConfig, loadFileConfig } from "../src/config.ts";

export interface FileHarness {
  /** A FileService client presenting a `hangout` certificate from the test CA. */
  client: FileServiceClient;
  /** A client for another identity, e.g. to be refused. */
  clientAs(identity: string): Promise<FileServiceClient>;
  grpcPort: number;
  httpUrl: string;
  s3: LocalS3;
  database: TestDatabase;
  service: RunningService<FileConfig, FileDeps>;
  /** Moves the service's clock forward. */
  advance(seconds: number): void;
  logs(): string;
  close(): Promise<void>;
}

/**
 * The real file service (gRPC over mTLS with a step-ca certificate, HTTP health, its outbox
 * relay) against a throwaway database, its own in-process S3-compatible store and a test exchange
 * on the real broker.
 */
export async function startFileService(
  ca: TestCa,
  env: Record<string, string> = {},
): Promise<FileHarness> {
  const database = await createTestDatabase("file");
  const s3 = await startLocalS3();
  const config = loadFileConfig({
    DEPLOY_ENV: "test",
    LOG_LEVEL: "debug",
    FILE_DATABASE_URL: database.url,
    FILE_GRPC_PORT: String(freePort()),
    CERT_LIFETIME: "10m",
    // Reaper and sweep passes run when a test calls files.reap() or requeue.sweep(), not on a timer.
    FILE_REAPER_INTERVAL_SECONDS: "3600",
    FILE_PROCESSING_SWEEP_INTERVAL_SECONDS: "3600",
    // The relay publishes to an exchange of this run's own (removed by close).
    AMQP_URL: testAmqpUrl,
    EVENTS_EXCHANGE: testExchange(),
    ...s3.env,
    ...ca.envFor("file"),
    ...env,
  });
  const lines: string[] = [];
  let offsetMs = 0;
  const service = await startService(fileService, config, {
    clock: () => new Date(Date.now() + offsetMs),
    logDestination: { write: (line: string) => void lines.push(line) },
    httpPort: 0,
    handleSignals: false,
  });
  const grpcPort = service.grpcPort as number;
  const channels: { close(): void }[] = [];
  const clientAs = async (identity: string) => {
    const certificates = await ca.managerFor(identity);
    await certificates.start();
    const channel = createMtlsChannel(`localhost:${grpcPort}`, "file", certificates);
    channels.push({
      close: () => {
        channel.close();
        void certificates.stop();
      },
    });
    return createClient(FileServiceDefinition, channel);
  };

  return {
    client: await clientAs("hangout"),
    clientAs,
    grpcPort,
    httpUrl: service.url,
    s3,
    database,
    service,
    advance(seconds) {
      offsetMs += seconds * 1000;
    },
    logs: () => lines.join(""),
    async close() {
      for (const channel of channels) channel.close();
      await service.shutdown("test finished");
      await s3.stop();
      await database.drop();
      await cleanUp({
        exchange: config.EVENTS_EXCHANGE,
        queue: `${config.EVENTS_EXCHANGE}.none`,
      }).catch(() => undefined);
    },
  };
}
