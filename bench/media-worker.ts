// The media section's worker side: file and media as the image runs them (production bundles,
// own processes, mTLS through a real step-ca, the S3-compatible store, the broker on an exchange
// of the run's own), hangout's gRPC client of file, and a listener on the exchange that notes when
// each file.uploaded and file.processed went by.
import { spawnSync } from "node:child_process";
import { createMtlsChannel } from "@hangout/platform/grpc/client";
import { DEFAULT_BACKOFF_MS } from "@hangout/platform/inbox/consumer";
import { deadQueueOf, retryQueueOf } from "@hangout/platform/inbox/topology";
import { connect } from "../packages/platform/node_modules/amqplib";
import { positiveInteger } from "./common.ts";
import { AMQP_URL, deleteBrokerObjects } from "./events-publish.ts";
import { fileClientOf } from "./grpc-calls.ts";
import type { BenchScope } from "./scope.ts";
import { startFile, startOnFreePort } from "./services.ts";

export const UPLOADED = "dev.hangout-planner.file.uploaded.v1";
export const PROCESSED = "dev.hangout-planner.file.processed.v1";

/** Photos the worker takes at once (MEDIA_CONCURRENCY); the bare pipeline runs as many. */
export const CONCURRENCY = positiveInteger("BENCH_MEDIA_CONCURRENCY", 1);
/** BENCH_MEDIA_SCAN=1: clamd scans every photo (scripts/ensure-clamav.sh), as in production. */
export const SCAN = process.env.BENCH_MEDIA_SCAN === "1";

/** Wall-clock ms with sub-ms precision, comparable across processes of this machine. */
export const wallMs = () => performance.timeOrigin + performance.now();

export interface FileEvent {
  at: number;
  data: { fileId: string; status?: string; failureReason?: string | null };
}

export type WorkerStack = Awaited<ReturnType<typeof startWorkerStack>>;

export async function startWorkerStack(scope: BenchScope, common: Record<string, string>) {
  const { logDir } = scope;
  const fileDb = await scope.database("file");
  const s3 = await scope.s3();
  const ca = await scope.ca();
  const clamd: { CLAMD_SOCKET?: string } = SCAN ? ensureClamd() : {};
  // The run's own exchange and worker queue, never a developer's; removed at the end.
  const exchange = `bench.media.${Date.now().toString(36)}`;
  const queue = `${exchange}.media`;
  const broker = { ...common, EVENTS_EXCHANGE: exchange };
  const listener = await listenFileEvents(exchange);
  scope.beforeChildrenStop(async () => {
    await listener.close();
    await deleteBrokerObjects(exchange, [
      queue,
      deadQueueOf(queue),
      ...DEFAULT_BACKOFF_MS.map((delay) => retryQueueOf(queue, delay)),
    ]);
  });

  const file = await startFile(logDir, fileDb.url, { ...broker, ...ca.envFor("file"), ...s3.env });
  const media = await startOnFreePort("media", logDir, "MEDIA_HTTP_PORT", () => ({
    ...broker,
    ...ca.envFor("media"),
    ...s3.env,
    ...clamd,
    MEDIA_QUEUE: queue,
    MEDIA_CONCURRENCY: String(CONCURRENCY),
    FILE_GRPC_TARGET: `localhost:${file.grpcPort}`,
  }));

  // The caller hangout is: its own certificate, the file service's identity checked.
  const certificates = await ca.managerFor("hangout", { lifetime: "1h" });
  await certificates.start();
  const channel = createMtlsChannel(`localhost:${file.grpcPort}`, "file", certificates);
  scope.beforeChildrenStop(async () => {
    channel.close();
    await certificates.stop();
  });
  return {
    fileDb,
    file,
    media,
    listener,
    client: fileClientOf(channel),
    s3,
    exchange,
    scanner: SCAN ? `clamd on ${clamd.CLAMD_SOCKET}` : "none",
  };
}

/** The socket of a clamd that answers, started by scripts/ensure-clamav.sh when none does. */
function ensureClamd() {
  const socket = process.env.CLAMD_SOCKET ?? "/tmp/hangout-clamd/clamd.sock";
  const run = spawnSync("bash", ["scripts/ensure-clamav.sh"], {
    cwd: new URL("../", import.meta.url).pathname,
    env: { ...process.env, CLAMD_SOCKET: socket },
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (run.status !== 0) throw new Error(`scripts/ensure-clamav.sh exited with ${run.status}`);
  return { CLAMD_SOCKET: socket };
}

/**
 * A queue of the bench's own on the exchange, bound to file.uploaded and file.processed: when
 * each went by (the relay published it), and a wait for the processed events of some files.
 */
async function listenFileEvents(exchange: string) {
  const model = await connect(AMQP_URL, {
    clientProperties: { connection_name: "bench: media listener" },
  });
  const channel = await model.createChannel();
  await channel.assertExchange(exchange, "topic", { durable: true });
  const { queue } = await channel.assertQueue("", { exclusive: true, autoDelete: true });
  for (const key of [UPLOADED, PROCESSED]) await channel.bindQueue(queue, exchange, key);
  const uploaded = new Map<string, FileEvent>();
  const processed = new Map<string, FileEvent>();
  let wake = () => {};
  await channel.consume(
    queue,
    (message) => {
      if (!message) return;
      const at = wallMs();
      const event = JSON.parse(message.content.toString()) as { type: string } & FileEvent;
      const seen = event.type === PROCESSED ? processed : uploaded;
      // A re-sent file.uploaded keeps the first time.
      if (!seen.has(event.data.fileId)) seen.set(event.data.fileId, { at, data: event.data });
      wake();
    },
    { noAck: true },
  );
  return {
    uploaded,
    processed,
    /** Resolves once every file in `ids` was processed; throws after `timeoutMs`. */
    async waitForProcessed(ids: string[], timeoutMs: number) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const missing = ids.filter((id) => !processed.has(id)).length;
        if (missing === 0) return;
        if (Date.now() > deadline) {
          throw new Error(`${missing} of ${ids.length} photos not processed in ${timeoutMs} ms`);
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 500);
        });
      }
    },
    async close() {
      await model.close().catch(() => undefined);
    },
  };
}
