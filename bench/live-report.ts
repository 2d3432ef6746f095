import { fmtMs as fmtFinite, type LogSummary, median, quantile, table } from "./common.ts";
import {
  printProblems,
  printServiceLog,
  printTelemetry,
  type SinkStats,
  targetsTable,
} from "./report.ts";

// The live section's tables: each stream count's memory and delivery times, every event, and the
// two targets.

export const TARGETS = {
  /** Every client has the event within this, at p99 ... */
  p99Ms: 250,
  /** ... with this many streams open. */
  p99AtStreams: 1000,
  /** The replica's RSS per open idle stream. */
  rssKbPerStream: 20,
};

export interface EventResult {
  /** ms from the PATCH's answer to each client's receipt, ascending; Infinity when it never came. */
  latencies: number[];
  patchMs: number;
  /** CPU the replica used from the PATCH until every client had the event. */
  hangoutCpuMs: number;
  /** CPU the bench process (the clients) used meanwhile. */
  benchCpuMs: number;
}

export interface Phase {
  streams: number;
  openSeconds: number;
  rssBeforeKb: number;
  rssAfterKb: number;
  /** The replica's own count of open streams while they were idle. */
  serverOpen: number;
  /** Clients whose stream closed while idle, and those that got no heartbeat. */
  idle: { closed: number; noHeartbeat: number };
  events: EventResult[];
}

const verdict = (pass: boolean, invalid: boolean) =>
  `${pass ? "PASS" : "MISS"}${invalid ? " (!) does not count: see below" : ""}`;
const fmtMs = (ms: number) => (ms === Number.POSITIVE_INFINITY ? "lost" : fmtFinite(ms));

function quantiles(event: EventResult) {
  const { latencies } = event;
  return {
    first: latencies[0]!,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    max: latencies.at(-1)!,
    lost: latencies.filter((v) => v === Number.POSITIVE_INFINITY).length,
  };
}

/** Each quantile's median over the phase's events. */
function summary(phase: Phase) {
  const all = phase.events.map(quantiles);
  const of = (key: "first" | "p50" | "p99" | "max") => median(all.map((q) => q[key]));
  return {
    first: of("first"),
    p50: of("p50"),
    p99: of("p99"),
    max: of("max"),
    p99s: all.map((q) => q.p99),
    kbPerStream: (phase.rssAfterKb - phase.rssBeforeKb) / phase.streams,
    hangoutCpuMs: median(phase.events.map((e) => e.hangoutCpuMs)),
  };
}

/** Why a phase's numbers don't count, if they don't. */
function problems(phase: Phase) {
  const found: string[] = [];
  const { streams, serverOpen, idle } = phase;
  if (serverOpen !== streams) found.push(`the replica counted ${serverOpen} open streams`);
  if (idle.closed > 0) found.push(`${idle.closed} streams closed while idle`);
  if (idle.noHeartbeat > 0) found.push(`${idle.noHeartbeat} streams got no heartbeat while idle`);
  const lost = phase.events.reduce((sum, e) => sum + quantiles(e).lost, 0);
  if (lost > 0) found.push(`${lost} receipts lost (not in within 10 s)`);
  return found;
}

const flag = (phase: Phase) => (problems(phase).length > 0 ? " (!)" : "");
const mb = (kb: number) => (kb / 1024).toFixed(1);

export function report(
  phases: Phase[],
  context: { spans: SinkStats | undefined; logs: [string, LogSummary, number | null][] },
) {
  console.log("");
  console.log(
    table(
      [
        "streams",
        "opened in s",
        "RSS before MB",
        "RSS idle, open MB",
        "KB per stream",
        "first ms",
        "p50 ms",
        "p99 ms",
        "max ms",
        "replica CPU ms per event",
      ],
      phases.map((phase) => {
        const s = summary(phase);
        return [
          `${phase.streams}${flag(phase)}`,
          phase.openSeconds.toFixed(1),
          mb(phase.rssBeforeKb),
          mb(phase.rssAfterKb),
          s.kbPerStream.toFixed(1),
          fmtMs(s.first),
          fmtMs(s.p50),
          fmtMs(s.p99),
          fmtMs(s.max),
          s.hangoutCpuMs.toFixed(0),
        ];
      }),
      ["r", "r", "r", "r", "r", "r", "r", "r", "r", "r"],
    ),
  );
  console.log(
    "(latency = from the PATCH's answer to each client's receipt of its hangout.updated; first, p50, p99 and max " +
      `are medians over ${phases[0]?.events.length ?? 0} events; RSS = the replica's VmRSS at rest before the ` +
      "streams opened and after they had been idle, KB per stream = the difference over the streams)",
  );
  console.log("");
  console.log(
    table(
      [
        "streams",
        "event",
        "first ms",
        "p50 ms",
        "p99 ms",
        "max ms",
        "PATCH ms",
        "replica CPU ms",
        "clients' CPU ms",
      ],
      phases.flatMap((phase) =>
        phase.events.map((event, i) => {
          const q = quantiles(event);
          return [
            String(phase.streams),
            String(i + 1),
            fmtMs(q.first),
            fmtMs(q.p50),
            fmtMs(q.p99),
            fmtMs(q.max),
            fmtMs(event.patchMs),
            event.hangoutCpuMs.toFixed(0),
            event.benchCpuMs.toFixed(0),
          ];
        }),
      ),
      ["r", "r", "r", "r", "r", "r", "r", "r", "r"],
    ),
  );
  console.log(
    "(CPU from the PATCH until every client had the event: the replica's, and the bench process's, whose " +
      "clients read every stream on the same two cores)",
  );

  console.log("");
  const judged = phases.find((p) => p.streams === TARGETS.p99AtStreams);
  const rows: string[][] = [];
  if (judged) {
    const s = summary(judged);
    rows.push([
      `${TARGETS.p99AtStreams} streams: every client has the event, p99 < ${TARGETS.p99Ms} ms`,
      `${fmtMs(s.p99)} ms (median of ${s.p99s.length} events, ${s.p99s.map(fmtMs).join(" / ")})`,
      verdict(s.p99 < TARGETS.p99Ms, problems(judged).length > 0),
    ]);
  }
  for (const phase of phases) {
    const s = summary(phase);
    rows.push([
      `RSS per idle stream < ${TARGETS.rssKbPerStream} KB, ${phase.streams} streams`,
      `${s.kbPerStream.toFixed(1)} KB (${mb(phase.rssBeforeKb)} -> ${mb(phase.rssAfterKb)} MB)`,
      verdict(s.kbPerStream < TARGETS.rssKbPerStream, problems(phase).length > 0),
    ]);
  }
  console.log(targetsTable(rows));
  if (!judged) {
    console.log(`(p99 at ${TARGETS.p99AtStreams} streams: not measured in this run)`);
  }
  printTelemetry(context.spans);
  for (const [name, log, exit] of context.logs) printServiceLog(name, log, exit);
  printProblems(
    [],
    phases.flatMap((p) => problems(p).map((line) => `${p.streams} streams: ${line}`)),
    "streams: every one opened, stayed open while idle and got every event",
  );
}
