import { fmtMs, type LogSummary, median, pct, table } from "./common.ts";
import { DURATION_S, type Row, rowErrors, type WrkResult, wrkErrors } from "./wrk.ts";

// The reporting every section shares: ratios to a baseline round by round, target verdicts, the
// rows and rounds tables of the wrk sections, and the closing lines (telemetry, logs, errors).

/** Two decimals; three below 0.1, so that a small ratio keeps a digit. */
export const fmtRatio = (r: number) => r.toFixed(r >= 0.1 ? 2 : 3);

/** The ratios of paired slices, one per round, with their median and spread. */
export interface RoundRatios {
  ratios: number[];
  median: number;
  min: number;
  max: number;
}

export function roundRatios(ratios: number[]): RoundRatios {
  return { ratios, median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
}

/** Each round's req/s of `row` over the same round's req/s of `base`, measured seconds apart. */
export const ratiosTo = (base: Row, row: Row) =>
  roundRatios(row.runs.map((run, i) => run.rps / base.runs[i]!.rps));

export const verdict = (pass: boolean, invalid: boolean) =>
  `${pass ? "PASS" : "MISS"}${invalid ? " (!) invalid: errors under load" : ""}`;

/**
 * The target row of "req/s at least `target` of a baseline's". The verdict uses the median of the
 * per-round ratios: each pairs two slices measured seconds apart, so drift on the box cancels
 * within a pair. The ratio of the two medians (`ofMedians`) can pair a fast round of one with a
 * slow round of the other; it is shown, not judged.
 */
export function ratioTarget(
  label: string,
  r: RoundRatios,
  target: number,
  ofMedians: string,
  invalid: boolean,
): string[] {
  const straddles = r.min < target && r.max >= target;
  return [
    label,
    `${pct(r.median)} (median of ${r.ratios.length} rounds, ${pct(r.min)}-${pct(r.max)}; ratio of medians ${ofMedians})`,
    `${verdict(r.median >= target, invalid)}${straddles ? " (rounds straddle the target)" : ""}`,
  ];
}

export const targetsTable = (rows: string[][]) =>
  table(["target", "measured", "result"], rows, ["l", "l", "l"]);

// ---------------------------------------------------------------------------------------------
// The wrk sections' tables

const flagRow = (row: Row) => (rowErrors(row).length > 0 ? " (!)" : "");
const flagRun = (run: WrkResult) => (wrkErrors(run).length > 0 ? " (!)" : "");

/** A value and, when the baseline has one, its ratio to the baseline's: "41 (1.93x)". */
function withRatio(value: number | undefined, base: number | undefined, digits: number) {
  if (value === undefined) return "-";
  const ratio = base ? ` (${fmtRatio(value / base)}x)` : "";
  return `${value.toFixed(digits)}${ratio}`;
}

/**
 * Every row beside the baseline `base`; the rows in `paired` also get their per-round ratios.
 * CPU is the server process's own time per request over the measured runs (the database's
 * apart); peak RSS is the server's VmHWM after its row.
 */
export function rowsTable(rows: Row[], base: Row, paired: Map<Row, RoundRatios>) {
  return table(
    [
      "",
      "measured",
      "conns",
      "req/s",
      "p50 ms",
      "p99 ms",
      `ratio to ${base.name}`,
      "per-round ratio: median (min-max)",
      "CPU µs/req",
      "DB CPU µs/req",
      "peak RSS MB",
    ],
    rows.map((row) => {
      const r = paired.get(row);
      return [
        `${row.name}${flagRow(row)}`,
        row.runs.length > 1 ? `median of ${row.runs.length}` : `${DURATION_S}s`,
        String(row.connections),
        row.rps.toFixed(0),
        fmtMs(row.p50Ms),
        fmtMs(row.p99Ms),
        fmtRatio(row.rps / base.rps),
        r ? `${fmtRatio(r.median)} (${fmtRatio(r.min)}-${fmtRatio(r.max)})` : "",
        withRatio(row.cpuUsPerReq, base.cpuUsPerReq, 0),
        withRatio(row.databaseCpuUsPerReq, base.databaseCpuUsPerReq, 0),
        withRatio(row.peakRssMb, base.peakRssMb, 1),
      ];
    }),
    ["l", "l", "r", "r", "r", "r", "r", "r", "r", "r", "r"],
  );
}

/** Round by round: the baseline's slice, then each compared row's slice and its ratio. */
export function roundsTable(base: Row, compared: { label: string; row: Row; r: RoundRatios }[]) {
  const header = ["round", `${base.name} req/s`, `${base.name} p99 ms`];
  for (const { label } of compared)
    header.push(`${label} req/s`, `${label} p99 ms`, `${label} ratio`);
  return table(
    header,
    base.runs.map((run, i) => [
      String(i + 1),
      `${run.rps.toFixed(0)}${flagRun(run)}`,
      fmtMs(run.p99Ms),
      ...compared.flatMap(({ row, r }) => {
        const slice = row.runs[i]!;
        return [
          `${slice.rps.toFixed(0)}${flagRun(slice)}`,
          fmtMs(slice.p99Ms),
          fmtRatio(r.ratios[i]!),
        ];
      }),
    ]),
    header.map(() => "r"),
  );
}

// ---------------------------------------------------------------------------------------------
// Closing lines

export interface SinkStats {
  requests: number;
  bytes: number;
}

/** The OTLP sink's counters, or undefined when it does not answer. */
export const sinkStats = (otlpUrl: string) =>
  fetch(`${otlpUrl}/stats`)
    .then((r) => r.json() as Promise<SinkStats>)
    .catch(() => undefined);

export function printTelemetry(spans: SinkStats | undefined, from = "") {
  console.log(
    spans
      ? `telemetry: the OTLP sink received ${spans.requests} exports (${(spans.bytes / 1024 / 1024).toFixed(1)} MB)${from}`
      : "telemetry: could not read the OTLP sink's counters",
  );
}

/** A service's log lines by level, its first warn/error and its exit code if not 0. */
export function printServiceLog(name: string, log: LogSummary, exit: number | null) {
  const levelCounts = Object.entries(log.levels)
    .map(([level, count]) => `${count} ${level}`)
    .join(", ");
  console.log(`${name} log: ${log.lines} lines (${levelCounts || "none"})`);
  if (log.firstProblem) {
    const startup = log.firstProblem.includes("| /readyz |")
      ? " (a 5xx answer to the readiness poll while the service was starting)"
      : "";
    console.log(`  first warn/error: ${log.firstProblem.slice(0, 300)}${startup}`);
  }
  if (exit !== 0) console.log(`note: ${name} exited with ${exit} on SIGTERM (expected 0)`);
}

/** Warm-up problems, then either `clean` or a banner listing the measurements that don't count. */
export function printProblems(warmups: string[], invalid: string[], clean: string) {
  for (const line of warmups) console.log(line);
  if (invalid.length === 0) {
    console.log(clean);
    return;
  }
  const banner = "!".repeat(78);
  console.log(`\n${banner}`);
  console.log("!!! INVALID MEASUREMENTS: errors under load; the numbers marked (!) don't count");
  for (const line of invalid) console.log(`!!!   ${line}`);
  console.log(banner);
}

export function printWrkProblems(rows: Row[]) {
  printProblems(
    rows
      .filter((row) => row.warmupProblems.length > 0)
      .map((row) => `warm-up of ${row.name}: ${row.warmupProblems.join("; ")}`),
    rows
      .filter((row) => rowErrors(row).length > 0)
      .map((row) => `${row.name}: ${rowErrors(row).join("; ")}`),
    "wrk errors: none (no non-2xx responses, no socket errors)",
  );
}
