import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createMtlsChannel } from "@hangout/platform/grpc/client";
import { freePort } from "@hangout/platform/testing/ports";
import {
  peakRssMb,
  ROUNDS,
  runAlone,
  spawnChild,
  stopChild,
  WARMUP_S,
  waitReady,
} from "./common.ts";
import {
  buildCalls,
  DOWNLOAD_FILES,
  fileClientOf,
  healthClientOf,
  intents,
  readyFiles,
  type Transport,
  UPLOAD_FILES,
} from "./grpc-calls.ts";
import { ChannelCredentials, createChannel } from "./grpc-deps.ts";
import { CONCURRENCIES, measurePairs, SLICE_S } from "./grpc-load.ts";
import type { Control } from "./grpc-metrics.ts";
import { report } from "./grpc-report.ts";
import { runScoped } from "./scope.ts";

// The grpc section: the real file service over mTLS (grpc-server.ts) against a plaintext twin of
// it in the same process, the same calls over each, interleaved round by round.

const BENCH = new URL("./", import.meta.url).pathname;

export async function runGrpcBench() {
  await runScoped("grpc", async (scope) => {
    const { logDir } = scope;
    // The clients close before the server stops: at the end of the run, or in the cleanup.
    const closers: (() => unknown)[] = [];
    const closeClients = async () => {
      for (const close of closers.splice(0).reverse()) await close();
    };
    scope.beforeChildrenStop(closeClients);
    console.log(
      `bench grpc: concurrency ${CONCURRENCIES.join(", ")} over one channel per transport; ` +
        `${ROUNDS} interleaved rounds of ${SLICE_S}s per transport (2 halves, ABBA) after a ${WARMUP_S}s warm-up; logs in ${logDir}`,
    );
    const database = await scope.database("file");
    const s3 = await scope.s3();
    const ca = await scope.ca();
    console.log(`step-ca on ${ca.ca.url}, S3 store on ${s3.endpoint}`);

    const { child: otlp, url: otlpUrl } = await scope.otlpSink();

    const grpcPort = freePort();
    const plainPort = freePort();
    const httpPort = freePort();
    const controlPort = freePort();
    const fileServer = spawnChild(
      "file",
      ["bun", join(BENCH, "grpc-server.ts")],
      {
        DEPLOY_ENV: "development",
        LOG_LEVEL: "warn",
        FILE_HOST: "127.0.0.1",
        FILE_DATABASE_URL: database.url,
        FILE_GRPC_PORT: String(grpcPort),
        FILE_HTTP_PORT: String(httpPort),
        // No reaper pass during the run: the PENDING rows CreateUploads leaves are not its job.
        FILE_REAPER_INTERVAL_SECONDS: "3600",
        OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl,
        BENCH_PLAIN_PORT: String(plainPort),
        BENCH_CONTROL_PORT: String(controlPort),
        ...s3.env,
        ...ca.envFor("file"),
      },
      logDir,
    );
    const server: Control = {
      controlUrl: `http://127.0.0.1:${controlPort}`,
      pid: fileServer.proc.pid,
    };
    await waitReady(fileServer, `${server.controlUrl}/ready`);
    await waitReady(fileServer, `http://127.0.0.1:${httpPort}/readyz`);

    const certificates = await ca.managerFor("hangout", { lifetime: "1h" });
    await certificates.start();
    closers.push(() => certificates.stop());
    const mtlsChannel = createMtlsChannel(`localhost:${grpcPort}`, "file", certificates);
    const plainChannel = createChannel(
      `localhost:${plainPort}`,
      ChannelCredentials.createInsecure(),
      { "grpc.enable_channelz": 0 },
    );
    closers.push(
      () => mtlsChannel.close(),
      () => plainChannel.close(),
    );
    const transports = {
      mtls: {
        name: "mTLS",
        channel: mtlsChannel,
        file: fileClientOf(mtlsChannel),
        health: healthClientOf(mtlsChannel),
        metricsUrl: `http://127.0.0.1:${httpPort}/metrics`,
      },
      plain: {
        name: "plaintext",
        channel: plainChannel,
        file: fileClientOf(plainChannel),
        health: healthClientOf(plainChannel),
        metricsUrl: `${server.controlUrl}/plain-metrics`,
      },
    } satisfies Record<string, Transport>;

    const mediaCertificates = await ca.managerFor("media", { lifetime: "1h" });
    await mediaCertificates.start();
    closers.push(() => mediaCertificates.stop());
    const mediaChannel = createMtlsChannel(`localhost:${grpcPort}`, "file", mediaCertificates);
    closers.push(() => mediaChannel.close());
    const worker = {
      file: fileClientOf(mediaChannel),
      store: new Bun.S3Client({
        endpoint: s3.endpoint,
        bucket: s3.env.S3_BUCKET,
        region: s3.env.S3_REGION,
        accessKeyId: s3.env.S3_ACCESS_KEY_ID,
        secretAccessKey: s3.env.S3_SECRET_ACCESS_KEY,
      }),
    };
    const fileIds = await readyFiles(transports.mtls, worker, DOWNLOAD_FILES);
    const uploadIntents = (await intents(UPLOAD_FILES)).map((b) => b.intent);
    const calls = buildCalls(fileIds, uploadIntents);
    // Every call once on each transport before anything is timed.
    for (const call of calls) {
      await call.run(transports.mtls);
      await call.run(transports.plain);
    }
    const [first] = (await transports.plain.file.getDownloadUrls({ fileIds })).urls;
    const download = await fetch(first!.url);
    const downloaded = (await download.arrayBuffer()).byteLength;
    if (download.status !== 200)
      throw new Error(`download of a confirmed file: ${download.status}`);
    console.log(
      `file server ready (pid ${fileServer.proc.pid}; mTLS :${grpcPort}, plaintext :${plainPort}); ` +
        `${fileIds.length} files created, PUT, confirmed and made ready (a download URL serves ${downloaded} bytes)`,
    );

    const pairs = await measurePairs(calls, transports, server);
    const fileRssMb = peakRssMb(fileServer.proc.pid);

    await closeClients();
    const fileExit = await stopChild(fileServer);
    await stopChild(otlp);
    const log = await readFile(fileServer.logs, "utf8").catch(() => "");
    const problems = log
      .split("\n")
      .filter((line) => /"level":"(error|fatal|warn)"/.test(line) && !line.includes("bench:"));

    report(pairs, { fileExit, problems, fileRssMb });
  });
}

if (import.meta.main) await runAlone(runGrpcBench);
