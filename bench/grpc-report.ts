import { ascending, fmtMs, median, pct, quantile, table } from "./common.ts";
import { type Pair, SLICE_S, type Slice, sliceProblem } from "./grpc-load.ts";
import { addBuckets, histogramQuantile } from "./grpc-metrics.ts";
import { printProblems, ratioTarget, roundRatios, targetsTable, verdict } from "./report.ts";

// The grpc section's output: each call's mTLS and plaintext slices side by side, the time inside
// the handlers, the targets and what the server process did meanwhile.

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

const invalidSlices = (slices: Slice[]) => slices.some((s) => sliceProblem(s) !== undefined);
const medianOf = (slices: Slice[], pick: (slice: Slice) => number) => median(slices.map(pick));

/** Handler time across all slices of one transport: pooled p50/p99 and the median per-slice p99. */
function handlerStats(slices: Slice[]) {
  const all = ascending(slices.flatMap((s) => s.handlerMs ?? []));
  return {
    calls: all.length,
    p50: quantile(all, 0.5),
    p99: quantile(all, 0.99),
    medianSliceP99: medianOf(slices, (s) => quantile(ascending(s.handlerMs ?? []), 0.99)),
  };
}

function mtlsHistogramP99(pair: Pair) {
  if (!pair.mtls.some((s) => s.histogram)) return "";
  const pooled = pair.mtls.reduce(
    (sum, s) => (s.histogram ? addBuckets(sum, s.histogram) : sum),
    new Map<number, number>(),
  );
  const q = histogramQuantile(pooled, 0.99);
  return q ? `~${fmtMs(q.ms)} (bucket <= ${fmtMs(q.bucketMs)} ms, ${q.total} calls)` : "";
}

export function report(
  pairs: Pair[],
  extra: { fileExit: number | null; problems: string[]; fileRssMb: number },
) {
  const rounds = pairs[0]?.mtls.length ?? 0;
  const ratios = pairs.map((pair) =>
    roundRatios(pair.mtls.map((m, i) => m.rps / pair.plain[i]!.rps)),
  );

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
        const r = ratios[i]!;
        return [
          `${pair.call.name}${invalidSlices([...pair.mtls, ...pair.plain]) ? " (!)" : ""}`,
          String(pair.concurrency),
          medianOf(pair.mtls, (s) => s.rps).toFixed(0),
          medianOf(pair.plain, (s) => s.rps).toFixed(0),
          `${pct(r.median)} (${pct(r.min)}-${pct(r.max)})`,
          fmtMs(medianOf(pair.mtls, (s) => s.p50Ms)),
          fmtMs(medianOf(pair.mtls, (s) => s.p99Ms)),
          fmtMs(medianOf(pair.plain, (s) => s.p50Ms)),
          fmtMs(medianOf(pair.plain, (s) => s.p99Ms)),
          [pair.mtls, pair.plain]
            .map((slices) => medianOf(slices, (s) => s.serverCpuUs))
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
      pairs
        .filter((pair) => pair.call.handler)
        .map((pair) => {
          const m = handlerStats(pair.mtls);
          const p = handlerStats(pair.plain);
          return [
            pair.call.name,
            String(pair.concurrency),
            String(m.calls),
            fmtMs(m.p50),
            fmtMs(m.p99),
            fmtMs(p.p50),
            fmtMs(p.p99),
            mtlsHistogramP99(pair),
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

  const targetRows = pairs.map((pair, i) =>
    ratioTarget(
      `${pair.call.name}, c=${pair.concurrency}: mTLS req/s >= ${TARGETS.mtlsRatio * 100}% of plaintext`,
      ratios[i]!,
      TARGETS.mtlsRatio,
      pct(medianOf(pair.mtls, (s) => s.rps) / medianOf(pair.plain, (s) => s.rps)),
      invalidSlices([...pair.mtls, ...pair.plain]),
    ),
  );
  for (const pair of pairs.filter((p) => p.call.handler === "createUploads")) {
    const m = handlerStats(pair.mtls);
    targetRows.push([
      `${pair.call.name}, c=${pair.concurrency} (mTLS): server-side p99 < ${TARGETS.createUploadsServerP99Ms} ms`,
      `${fmtMs(m.p99)} ms (p50 ${fmtMs(m.p50)}; median per-round p99 ${fmtMs(m.medianSliceP99)}); ` +
        `client-observed p50 ${fmtMs(medianOf(pair.mtls, (s) => s.p50Ms))}, p99 ${fmtMs(medianOf(pair.mtls, (s) => s.p99Ms))}`,
      pair.concurrency === TARGETS.createUploadsJudgedAt
        ? verdict(m.p99 < TARGETS.createUploadsServerP99Ms, invalidSlices(pair.mtls))
        : "not judged (saturated: includes queueing)",
    ]);
  }
  console.log("");
  console.log(targetsTable(targetRows));

  console.log("");
  console.log(`file server process: VmHWM ${extra.fileRssMb.toFixed(1)} MB`);
  if (extra.fileExit !== 0) console.log(`note: the file server exited with ${extra.fileExit}`);
  if (extra.problems.length > 0) {
    console.log(`file server log: ${extra.problems.length} warn/error lines; the first:`);
    console.log(`  ${extra.problems[0]!.slice(0, 400)}`);
  }
  printProblems(
    pairs
      .filter((pair) => pair.warmupProblems.length > 0)
      .map(
        (pair) =>
          `warm-up of ${pair.call.name} c=${pair.concurrency}: ${pair.warmupProblems.join("; ")}`,
      ),
    pairs.flatMap((pair) =>
      [
        ...pair.mtls.map((s) => ["mTLS", sliceProblem(s)] as const),
        ...pair.plain.map((s) => ["plaintext", sliceProblem(s)] as const),
      ]
        .filter(([, problem]) => problem !== undefined)
        .map(([name, problem]) => `${pair.call.name} c=${pair.concurrency} ${name}: ${problem}`),
    ),
    "gRPC errors: none",
  );
}
