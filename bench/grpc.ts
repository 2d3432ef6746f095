import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createGrpcClient, createMtlsChannel } from "@hangout/platform/grpc/client";
import { sha256Base64, type TestImage, testImage } from "@hangout/platform/testing/images";
import { freePort } from "@hangout/platform/testing/ports";
import { FileServiceDefinition, type UploadIntent } from "../proto/gen/file/v1/file.ts";
import {
  fmtMs,
  median,
  pct,
  positiveInteger,
  positiveNumber,
  procCpuSeconds,
  procStatusKb,
  spawnChild,
  stopChild,
  table,
  waitReady,
} from "./common.ts";
import { type Channel, ChannelCredentials, createChannel, HealthDefinition } from "./grpc-deps.ts";
import { runScoped } from "./scope.ts";

const BENCH = new URL("./", import.meta.url).pathname;
const ROUNDS = positiveInteger("BENCH_ROUNDS", 5);
const WARMUP_S = positiveNumber("BENCH_WARMUP_SECONDS", 2);
const SLICE_S = positiveNumber("BENCH_GRPC_SLICE_SECONDS", 2);
const CONCURRENCIES = concurrencies("BENCH_GRPC_CONCURRENCY", [16, 1]);
const DOWNLOAD_FILES = 50;
const UPLOAD_FILES = 10;

const TARGETS = {
  /** mTLS req/s over plaintext req/s, per (call, concurrency). */
  mtlsRatio: 0.8,
  /**
   * CreateUploads with 10 files, time inside the handler, mTLS server, one call in flight: the
   * cost of the call itself. With 16 in flight the one JS thread is saturated and the handler's
   * wall time includes waiting for the other calls; that row is shown, not judged.
   */
  createUploadsServerP99Ms: 15,
  createUploadsJudgedAt: 1,
};

// ---------------------------------------------------------------------------------------------
// Clients and calls

type FileClient = ReturnType<typeof fileClientOf>;
type HealthClient = ReturnType<typeof healthClientOf>;
const fileClientOf = (channel: Channel) => createGrpcClient(FileServiceDefinition, channel);
const healthClientOf = (channel: Channel) => createGrpcClient(HealthDefinition, channel);

interface Transport {
  name: "mTLS" | "plaintext";
  channel: Channel;
  file: FileClient;
  health: HealthClient;
  /** Where this transport's server publishes grpc_server_handling_seconds. */
  metricsUrl: string;
}

type HandlerName = "createUploads" | "downloadUrls";

interface Call {
  name: string;
  /** The use case whose handler time the server records for this call. */
  handler?: HandlerName;
  /** Also read the server's grpc_server_handling_seconds around each slice (this method). */
  prometheusMethod?: string;
  /** One call; throws when the answer is not what it should be. */
  run(transport: Transport): Promise<void>;
}

const MIME: Record<Exclude<TestImage, "bmp">, string> = {
  jpg: "image/jpeg",
  png: "image/png",
  gif: "image/gif",
  webp: "image/webp",
};

/** `count` intents cycling through the four accepted formats, with their real sizes and sums. */
async function intents(count: number): Promise<{ intent: UploadIntent; bytes: Uint8Array }[]> {
  const formats = Object.keys(MIME) as (keyof typeof MIME)[];
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const format = formats[i % formats.length]!;
      const bytes = await testImage(format);
      return {
        bytes,
        intent: {
          filename: `bench-${i}.${format}`,
          contentType: MIME[format],
          size: bytes.length,
          sha256: sha256Base64(bytes),
          ownerRef: "memory:bench",
        },
      };
    }),
  );
}

/** 50 files through the real flow: CreateUploads (10 at a time), PUT the bytes, confirm. */
async function confirmedFiles(transport: Transport, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < count; start += UPLOAD_FILES) {
    const batch = await intents(Math.min(UPLOAD_FILES, count - start));
    const { uploads } = await transport.file.createUploads({ intents: batch.map((b) => b.intent) });
    await Promise.all(
      uploads.map(async (upload, i) => {
        const response = await fetch(upload.url, {
          method: upload.method,
          headers: upload.headers,
          body: batch[i]!.bytes,
        });
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`PUT of upload ${i}: ${response.status}`);
      }),
    );
    ids.push(...uploads.map((u) => u.fileId));
  }
  const { results } = await transport.file.confirmUploads({ fileIds: ids });
  const failed = results.filter((r) => !r.confirmed);
  if (failed.length > 0) {
    throw new Error(`confirm failed: ${failed.map((r) => r.failureReason).join(", ")}`);
  }
  return ids;
}

function buildCalls(fileIds: string[], uploadIntents: UploadIntent[]): Call[] {
  const one = [fileIds[0]!];
  return [
    {
      name: "Health.Check",
      async run(t) {
        const { status } = await t.health.check({ service: "" });
        // grpc.health.v1 HealthCheckResponse.ServingStatus.SERVING
        if (status !== 1) throw new Error(`health status ${status}`);
      },
    },
    {
      name: "GetDownloadUrls x1",
      handler: "downloadUrls",
      async run(t) {
        const { urls } = await t.file.getDownloadUrls({ fileIds: one });
        if (urls.length !== 1) throw new Error(`${urls.length} URLs for 1 file`);
      },
    },
    {
      name: `GetDownloadUrls x${fileIds.length}`,
      handler: "downloadUrls",
      async run(t) {
        const { urls } = await t.file.getDownloadUrls({ fileIds });
        if (urls.length !== fileIds.length) {
          throw new Error(`${urls.length} URLs for ${fileIds.length} files`);
        }
      },
    },
    {
      name: `CreateUploads x${uploadIntents.length}`,
      handler: "createUploads",
      prometheusMethod: "CreateUploads",
      async run(t) {
        const { uploads } = await t.file.createUploads({ intents: uploadIntents });
        if (uploads.length !== uploadIntents.length) {
          throw new Error(`${uploads.length} uploads for ${uploadIntents.length} intents`);
        }
      },
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Load

interface Slice {
  requests: number;
  errors: number;
  firstError?: string;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Time inside the handler of every call of the slice (ms), when the call has a handler timer. */
  handlerMs?: number[];
  /** grpc_server_handling_seconds bucket increments over the slice (le in seconds -> count). */
  histogram?: Map<number, number>;
  /** The server process's CPU time per completed call (µs): what one call costs the server. */
  serverCpuUs: number;
}

/** Nearest-rank quantile of an ascending array. */
function quantile(sorted: number[], q: number) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

const ascending = (values: number[]) => [...values].sort((a, b) => a - b);

/** A closed loop: `concurrency` workers, each starting its next call when the last one ends. */
async function drive(call: () => Promise<void>, concurrency: number, seconds: number) {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const end = started + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        await call();
        latencies.push(performance.now() - t0);
      } catch (error) {
        errors += 1;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { latencies, errors, firstError, elapsedS: (performance.now() - started) / 1000 };
}

/** One uninterrupted stretch of load on one transport. */
interface Chunk {
  latencies: number[];
  errors: number;
  firstError?: string;
  elapsedS: number;
  handlerMs?: number[];
  histogram?: Map<number, number>;
  /** CPU seconds the server process spent during the chunk. */
  serverCpuS: number;
}

/** A transport's share of a round: its chunks taken together. */
function sliceOf(chunks: Chunk[]): Slice {
  const sorted = ascending(chunks.flatMap((c) => c.latencies));
  const elapsedS = chunks.reduce((sum, c) => sum + c.elapsedS, 0);
  const timed = chunks.filter((c) => c.handlerMs);
  const histograms = chunks.filter((c) => c.histogram);
  return {
    requests: sorted.length,
    errors: chunks.reduce((sum, c) => sum + c.errors, 0),
    firstError: chunks.find((c) => c.firstError)?.firstError,
    rps: sorted.length / elapsedS,
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    serverCpuUs: sorted.length
      ? (chunks.reduce((sum, c) => sum + c.serverCpuS, 0) * 1e6) / sorted.length
      : Number.NaN,
    ...(timed.length > 0 ? { handlerMs: timed.flatMap((c) => c.handlerMs!) } : {}),
    ...(histograms.length > 0
      ? {
          histogram: histograms.reduce(
            (sum, c) => addBuckets(sum, c.histogram!),
            new Map<number, number>(),
          ),
        }
      : {}),
  };
}

/** The bench server process's control endpoint (see grpc-server.ts). */
interface Control {
  controlUrl: string;
  pid: number;
}

async function takeTimings(server: Control, name: HandlerName): Promise<number[]> {
  const response = await fetch(`${server.controlUrl}/timings?take=${name}`);
  if (!response.ok) throw new Error(`timings: HTTP ${response.status}`);
  return (await response.json()) as number[];
}

/** Cumulative grpc_server_handling_seconds buckets of one method's OK calls (le -> count). */
async function scrapeBuckets(url: string, method: string): Promise<Map<number, number>> {
  const response = await fetch(url);
  const text = await response.text();
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const buckets = new Map<number, number>();
  for (const line of text.split("\n")) {
    if (!line.startsWith("grpc_server_handling_seconds_bucket{")) continue;
    if (!line.includes(`grpc_method="${method}"`) || !line.includes('grpc_code="OK"')) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    if (le === undefined) continue;
    const bound = le === "+Inf" ? Number.POSITIVE_INFINITY : Number(le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + Number(line.slice(line.lastIndexOf(" ") + 1)));
  }
  return buckets;
}

function addBuckets(
  into: Map<number, number>,
  after: Map<number, number>,
  before?: Map<number, number>,
) {
  for (const [le, count] of after) {
    into.set(le, (into.get(le) ?? 0) + count - (before?.get(le) ?? 0));
  }
  return into;
}

/**
 * Prometheus's histogram_quantile over cumulative buckets: the bucket holding the q-th call, and
 * a linear interpolation inside it. Returns milliseconds, with the bucket's upper bound.
 */
function histogramQuantile(buckets: Map<number, number>, q: number) {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const total = buckets.get(Number.POSITIVE_INFINITY) ?? 0;
  if (total === 0) return undefined;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const le of bounds) {
    const count = buckets.get(le)!;
    if (count >= rank) {
      if (le === Number.POSITIVE_INFINITY) return { ms: lower * 1000, bucketMs: le, total };
      const inside = count - below;
      const ms = (lower + (le - lower) * (inside > 0 ? (rank - below) / inside : 1)) * 1000;
      return { ms, bucketMs: le * 1000, total };
    }
    lower = le;
    below = count;
  }
  return undefined;
}

async function measureChunk(
  call: Call,
  transport: Transport,
  concurrency: number,
  seconds: number,
  server: Control,
): Promise<Chunk> {
  if (call.handler) await takeTimings(server, call.handler);
  const before = call.prometheusMethod
    ? await scrapeBuckets(transport.metricsUrl, call.prometheusMethod)
    : undefined;
  // NaN, not 0, when /proc cannot be read: the table then says n/a instead of a free call.
  const cpuBefore = procCpuSeconds(server.pid) ?? Number.NaN;
  const driven = await drive(() => call.run(transport), concurrency, seconds);
  const cpuAfter = procCpuSeconds(server.pid) ?? Number.NaN;
  const chunk: Chunk = { ...driven, serverCpuS: cpuAfter - cpuBefore };
  if (call.handler) chunk.handlerMs = await takeTimings(server, call.handler);
  if (call.prometheusMethod && before) {
    const after = await scrapeBuckets(transport.metricsUrl, call.prometheusMethod);
    chunk.histogram = addBuckets(new Map(), after, before);
  }
  return chunk;
}

// ---------------------------------------------------------------------------------------------
// The run

interface Pair {
  call: Call;
  concurrency: number;
  mtls: Slice[];
  plain: Slice[];
  warmupProblems: string[];
}

const sliceProblem = (slice: Slice) =>
  slice.errors > 0 || slice.requests === 0
    ? `${slice.errors} errors, ${slice.requests} ok${slice.firstError ? ` (first: ${slice.firstError})` : ""}`
    : undefined;

async function measurePairs(
  calls: Call[],
  transports: { mtls: Transport; plain: Transport },
  server: Control,
): Promise<Pair[]> {
  const pairs: Pair[] = CONCURRENCIES.flatMap((concurrency) =>
    calls.map((call) => ({ call, concurrency, mtls: [], plain: [], warmupProblems: [] })),
  );
  const label = (pair: Pair) => `${pair.call.name} c=${pair.concurrency}`;

  process.stdout.write(`  warm-up (${WARMUP_S}s per pair and transport):`);
  for (const pair of pairs) {
    for (const transport of [transports.mtls, transports.plain]) {
      const chunk = await measureChunk(pair.call, transport, pair.concurrency, WARMUP_S, server);
      const problem = sliceProblem(sliceOf([chunk]));
      if (problem) pair.warmupProblems.push(`${transport.name}: ${problem}`);
    }
    process.stdout.write(".");
  }
  console.log(" done");

  for (let round = 1; round <= ROUNDS; round++) {
    const { mtls, plain } = transports;
    // ABBA in odd rounds, BAAB in even ones: a linear drift within a pair's turn hits both
    // transports alike, and neither always goes first.
    const order = round % 2 === 1 ? [mtls, plain, plain, mtls] : [plain, mtls, mtls, plain];
    console.log(
      `  round ${round}/${ROUNDS} (${order.map((t) => (t === mtls ? "mTLS" : "plain")).join(", ")}):`,
    );
    for (const pair of pairs) {
      const chunks = new Map<Transport, Chunk[]>([
        [mtls, []],
        [plain, []],
      ]);
      for (const transport of order) {
        chunks
          .get(transport)!
          .push(await measureChunk(pair.call, transport, pair.concurrency, SLICE_S / 2, server));
      }
      pair.mtls.push(sliceOf(chunks.get(mtls)!));
      pair.plain.push(sliceOf(chunks.get(plain)!));
      const m = pair.mtls.at(-1)!;
      const p = pair.plain.at(-1)!;
      const flag = sliceProblem(m) || sliceProblem(p) ? " (!)" : "";
      console.log(
        `    ${label(pair).padEnd(28)} mTLS ${m.rps.toFixed(0).padStart(6)} req/s, plaintext ${p.rps.toFixed(0).padStart(6)} req/s: ${pct(m.rps / p.rps)}${flag}`,
      );
    }
  }
  return pairs;
}

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

    const fileIds = await confirmedFiles(transports.mtls, DOWNLOAD_FILES);
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
        `${fileIds.length} files created, PUT and confirmed (a download URL serves ${downloaded} bytes)`,
    );

    const pairs = await measurePairs(calls, transports, server);
    const fileRssMb = (procStatusKb(fileServer.proc.pid!, "VmHWM") ?? 0) / 1024;

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

// ---------------------------------------------------------------------------------------------
// Output

interface PairStats {
  label: string;
  invalid: boolean;
  mtlsRps: number;
  plainRps: number;
  ratios: number[];
  ratio: number;
}

function statsOf(pair: Pair): PairStats {
  const ratios = pair.mtls.map((m, i) => m.rps / pair.plain[i]!.rps);
  return {
    label: `${pair.call.name}, c=${pair.concurrency}`,
    invalid: [...pair.mtls, ...pair.plain].some((s) => sliceProblem(s) !== undefined),
    mtlsRps: median(pair.mtls.map((s) => s.rps)),
    plainRps: median(pair.plain.map((s) => s.rps)),
    ratios,
    ratio: median(ratios),
  };
}

/** Handler time across all slices of one transport: pooled p50/p99 and the median per-slice p99. */
function handlerStats(slices: Slice[]) {
  const all = ascending(slices.flatMap((s) => s.handlerMs ?? []));
  return {
    calls: all.length,
    p50: quantile(all, 0.5),
    p99: quantile(all, 0.99),
    medianSliceP99: median(slices.map((s) => quantile(ascending(s.handlerMs ?? []), 0.99))),
  };
}

export function report(
  pairs: Pair[],
  extra: { fileExit: number | null; problems: string[]; fileRssMb: number },
) {
  const rounds = pairs[0]?.mtls.length ?? 0;
  const flag = (invalid: boolean) => (invalid ? " (!)" : "");
  const stats = pairs.map(statsOf);

  console.log("");
  console.log(
    table(
      [
        "call",
        "c",
        "mTLS req/s",
        "plain req/s",
        "mTLS/plain: per-round median (min-max)",
        "mTLS p50",
        "mTLS p99",
        "plain p50",
        "plain p99",
        "server CPU µs/call (mTLS, plain)",
      ],
      pairs.map((pair, i) => {
        const s = stats[i]!;
        return [
          `${pair.call.name}${flag(s.invalid)}`,
          String(pair.concurrency),
          s.mtlsRps.toFixed(0),
          s.plainRps.toFixed(0),
          `${pct(s.ratio)} (${pct(Math.min(...s.ratios))}-${pct(Math.max(...s.ratios))})`,
          fmtMs(median(pair.mtls.map((x) => x.p50Ms))),
          fmtMs(median(pair.mtls.map((x) => x.p99Ms))),
          fmtMs(median(pair.plain.map((x) => x.p50Ms))),
          fmtMs(median(pair.plain.map((x) => x.p99Ms))),
          [pair.mtls, pair.plain]
            .map((slices) => median(slices.map((x) => x.serverCpuUs)))
            .map((us) => (Number.isFinite(us) ? us.toFixed(0) : "n/a"))
            .join(", "),
        ];
      }),
      ["l", "r", "r", "r", "r", "r", "r", "r", "r", "r"],
    ),
  );
  console.log(
    `(client-observed, one channel per transport with c calls in flight; req/s, p50 and p99 in ms ` +
      `are medians across ${rounds} interleaved rounds of ${SLICE_S}s per transport (2 halves, ABBA); mTLS/plain = mTLS ` +
      "req/s over plaintext req/s within one round, median of the rounds and their min-max; server CPU = the server process's CPU time over the calls it completed, median of the rounds)",
  );

  const timedPairs = pairs.filter((pair) => pair.call.handler);
  console.log("");
  console.log(
    table(
      [
        "server-side (inside the handler)",
        "c",
        "calls",
        "mTLS p50",
        "mTLS p99",
        "plain p50",
        "plain p99",
        "mTLS p99 from grpc_server_handling_seconds",
      ],
      timedPairs.map((pair) => {
        const m = handlerStats(pair.mtls);
        const p = handlerStats(pair.plain);
        const histogram = pair.mtls.some((s) => s.histogram)
          ? histogramQuantile(
              pair.mtls.reduce(
                (sum, s) => (s.histogram ? addBuckets(sum, s.histogram) : sum),
                new Map<number, number>(),
              ),
              0.99,
            )
          : undefined;
        return [
          pair.call.name,
          String(pair.concurrency),
          String(m.calls),
          fmtMs(m.p50),
          fmtMs(m.p99),
          fmtMs(p.p50),
          fmtMs(p.p99),
          histogram
            ? `~${fmtMs(histogram.ms)} (bucket <= ${fmtMs(histogram.bucketMs)} ms, ${histogram.total} calls)`
            : "",
        ];
      }),
      ["l", "r", "r", "r", "r", "r", "r", "r"],
    ),
  );
  console.log(
    "(ms, every measured call of all rounds pooled; timed around the use case the FileService " +
      "handler awaits, in the server process; the last column is histogram_quantile(0.99) over the " +
      "mTLS server's own /metrics, scraped before and after each slice)",
  );

  const target = TARGETS.mtlsRatio;
  const verdict = (pass: boolean, invalid: boolean) =>
    `${pass ? "PASS" : "MISS"}${invalid ? " (!) invalid: errors under load" : ""}`;
  const targetRows = stats.map((s) => {
    const min = Math.min(...s.ratios);
    const max = Math.max(...s.ratios);
    const straddles = min < target && max >= target;
    return [
      `${s.label}: mTLS req/s >= ${target * 100}% of plaintext`,
      `${pct(s.ratio)} (median of ${rounds} rounds, ${pct(min)}-${pct(max)}; ratio of medians ${pct(s.mtlsRps / s.plainRps)})`,
      `${verdict(s.ratio >= target, s.invalid)}${straddles ? " (rounds straddle the target)" : ""}`,
    ];
  });
  for (const pair of pairs.filter((p) => p.call.handler === "createUploads")) {
    const m = handlerStats(pair.mtls);
    const invalid = pair.mtls.some((s) => sliceProblem(s) !== undefined);
    targetRows.push([
      `${pair.call.name}, c=${pair.concurrency} (mTLS): server-side p99 < ${TARGETS.createUploadsServerP99Ms} ms`,
      `${fmtMs(m.p99)} ms (p50 ${fmtMs(m.p50)}; median per-round p99 ${fmtMs(m.medianSliceP99)}); ` +
        `client-observed p50 ${fmtMs(median(pair.mtls.map((s) => s.p50Ms)))}, p99 ${fmtMs(median(pair.mtls.map((s) => s.p99Ms)))}`,
      pair.concurrency === TARGETS.createUploadsJudgedAt
        ? verdict(m.p99 < TARGETS.createUploadsServerP99Ms, invalid)
        : "not judged (saturated: includes queueing)",
    ]);
  }
  console.log("");
  console.log(table(["target", "measured", "result"], targetRows, ["l", "l", "l"]));

  console.log("");
  console.log(`file server process: VmHWM ${extra.fileRssMb.toFixed(1)} MB`);
  if (extra.fileExit !== 0) console.log(`note: the file server exited with ${extra.fileExit}`);
  if (extra.problems.length > 0) {
    console.log(`file server log: ${extra.problems.length} warn/error lines; the first:`);
    console.log(`  ${extra.problems[0]!.slice(0, 400)}`);
  }
  for (const pair of pairs) {
    if (pair.warmupProblems.length > 0) {
      console.log(
        `warm-up of ${pair.call.name} c=${pair.concurrency}: ${pair.warmupProblems.join("; ")}`,
      );
    }
  }
  const invalid = pairs.flatMap((pair) =>
    [
      ...pair.mtls.map((s) => ["mTLS", s] as const),
      ...pair.plain.map((s) => ["plaintext", s] as const),
    ]
      .map(([name, s]) => [name, sliceProblem(s)] as const)
      .filter(([, problem]) => problem !== undefined)
      .map(([name, problem]) => `${pair.call.name} c=${pair.concurrency} ${name}: ${problem}`),
  );
  if (invalid.length === 0) {
    console.log("gRPC errors: none");
    return;
  }
  const banner = "!".repeat(78);
  console.log(`\n${banner}`);
  console.log("!!! INVALID MEASUREMENTS: errors under load; the numbers marked (!) don't count");
  for (const line of invalid) console.log(`!!!   ${line}`);
  console.log(banner);
}

function concurrencies(name: string, fallback: number[]) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const values = raw.split(",").map((v) => Number(v.trim()));
  if (values.some((v) => !Number.isInteger(v) || v <= 0)) {
    throw new Error(`${name} must be a comma-separated list of positive integers`);
  }
  return values;
}

if (import.meta.main) {
  try {
    await runGrpcBench();
    process.exit(0);
  } catch (error) {
    console.error(
      `\nbench failed: ${error instanceof Error ? (error.stack ?? error.message) : error}`,
    );
    process.exit(1);
  }
}
