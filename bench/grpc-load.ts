import {
  ascending,
  pct,
  positiveIntegers,
  positiveNumber,
  procCpuSeconds,
  quantile,
  ROUNDS,
  WARMUP_S,
} from "./common.ts";
import type { Call, Transport } from "./grpc-calls.ts";
import { addBuckets, type Control, scrapeBuckets, takeTimings } from "./grpc-metrics.ts";

// The grpc section's load: closed-loop workers over one channel, each call's mTLS and plaintext
// slices interleaved round by round.

export const SLICE_S = positiveNumber("BENCH_GRPC_SLICE_SECONDS", 2);
export const CONCURRENCIES = positiveIntegers("BENCH_GRPC_CONCURRENCY", [16, 1]);

export interface Slice {
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

/** One call at one concurrency: its slices on each transport, one per round. */
export interface Pair {
  call: Call;
  concurrency: number;
  mtls: Slice[];
  plain: Slice[];
  warmupProblems: string[];
}

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

/** What makes a slice not count, or undefined when it is clean. */
export const sliceProblem = (slice: Slice) =>
  slice.errors > 0 || slice.requests === 0
    ? `${slice.errors} errors, ${slice.requests} ok${slice.firstError ? ` (first: ${slice.firstError})` : ""}`
    : undefined;

/**
 * Every call at every concurrency: a warm-up on each transport (thrown away), then ROUNDS rounds in
 * which each pair gets SLICE_S per transport, in two halves ordered ABBA or BAAB.
 */
export async function measurePairs(
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
