import { fmtMs, type LogSummary, pct } from "./common.ts";
import { UPLOAD_FILES } from "./hangout-fixtures.ts";
import {
  printServiceLog,
  printTelemetry,
  printWrkProblems,
  ratiosTo,
  ratioTarget,
  roundsTable,
  rowsTable,
  type SinkStats,
  targetsTable,
  verdict,
} from "./report.ts";
import { ROUND_S, type Row, rowErrors } from "./wrk.ts";

// The hangout section's output: its rows beside B1, round by round, its targets and what the
// services did meanwhile.

const TARGETS = {
  getRatioToB1: 0.6,
  listRatioToB1: 0.25,
  uploadP99Ms: 50,
  /** Each service's peak RSS over B1's, both read the same way in the same run. */
  peakRssToB1: 1.3,
};

export const SERVICES = ["hangout", "file", "auth"] as const;
export type ServiceName = (typeof SERVICES)[number];

export function report(
  rows: Row[],
  names: { get: string; list: string; upload: string },
  context: {
    rssMb: Record<ServiceName, number>;
    /** VmRSS before any load (B1 once started, the services once seeded). */
    idleMb: Record<ServiceName | "B1", number>;
    spans: SinkStats | undefined;
    exits: Record<ServiceName, number | null>;
    logs: Record<ServiceName, LogSummary>;
  },
) {
  const byName = (name: string) => rows.find((r) => r.name === name)!;
  const b1Row = byName("B1");
  const getRow = byName(names.get);
  const listRow = byName(names.list);
  const uploadRow = byName(names.upload);
  const get = ratiosTo(b1Row, getRow);
  const list = ratiosTo(b1Row, listRow);

  console.log("");
  console.log(
    rowsTable(
      rows,
      b1Row,
      new Map([
        [getRow, get],
        [listRow, list],
      ]),
    ),
  );
  console.log(
    `(B1 and the two reads: medians across ${b1Row.runs.length} interleaved rounds of ${ROUND_S}s ` +
      "each; ratio to B1 = ratio of the medians; per-round ratio = the read over B1 within one " +
      "round, the median of the rounds and their min-max; the target uses the per-round median. " +
      `The upload row is one request with ${UPLOAD_FILES} files: ${UPLOAD_FILES} upload URLs and ` +
      `${UPLOAD_FILES} pending memories per request; its req/s, p50 and p99 are medians across ` +
      `${uploadRow.runs.length} back-to-back rounds of ${ROUND_S}s)`,
  );
  console.log("");
  console.log(
    roundsTable(b1Row, [
      { label: "get", row: getRow, r: get },
      { label: "list", row: listRow, r: list },
    ]),
  );
  console.log(`(get = ${names.get}, list = ${names.list})`);

  const p99s = uploadRow.runs.map((run) => run.p99Ms);
  const uploadP99s = `${fmtMs(Math.min(...p99s))}-${fmtMs(Math.max(...p99s))} ms`;
  const invalid = (...from: Row[]) => from.some((row) => rowErrors(row).length > 0);
  console.log("");
  console.log(
    targetsTable([
      ratioTarget(
        `${names.get} req/s >= ${TARGETS.getRatioToB1 * 100}% of B1`,
        get,
        TARGETS.getRatioToB1,
        `${pct(getRow.rps / b1Row.rps)}: ${getRow.rps.toFixed(0)} / ${b1Row.rps.toFixed(0)}`,
        invalid(getRow, b1Row),
      ),
      ratioTarget(
        `${names.list} req/s >= ${TARGETS.listRatioToB1 * 100}% of B1`,
        list,
        TARGETS.listRatioToB1,
        `${pct(listRow.rps / b1Row.rps)}: ${listRow.rps.toFixed(0)} / ${b1Row.rps.toFixed(0)}`,
        invalid(listRow, b1Row),
      ),
      ...SERVICES.map((name) => {
        const ratio = context.rssMb[name] / (b1Row.peakRssMb ?? Number.NaN);
        return [
          `${name} peak RSS <= ${TARGETS.peakRssToB1}x B1's peak RSS`,
          `${context.rssMb[name].toFixed(1)} MB / ${b1Row.peakRssMb?.toFixed(1) ?? "-"} MB = ${ratio.toFixed(2)}x`,
          verdict(ratio <= TARGETS.peakRssToB1, invalid(getRow, listRow, uploadRow, b1Row)),
        ];
      }),
      [
        `uploads x${UPLOAD_FILES} p99 < ${TARGETS.uploadP99Ms} ms at c=16`,
        `${fmtMs(uploadRow.p99Ms)} ms (median of ${uploadRow.runs.length} rounds, ${uploadP99s}; p50 ${fmtMs(uploadRow.p50Ms)} ms, ${uploadRow.rps.toFixed(0)} req/s)`,
        verdict(uploadRow.p99Ms < TARGETS.uploadP99Ms, invalid(uploadRow)),
      ],
    ]),
  );

  console.log("");
  const memory = (name: string, idle: number, peak: number | undefined) =>
    `${name} ${idle.toFixed(1)} -> ${peak?.toFixed(1) ?? "-"} MB (+${((peak ?? Number.NaN) - idle).toFixed(1)})`;
  console.log(
    `memory, idle VmRSS -> peak VmHWM (what the load added): ${[
      memory("B1", context.idleMb.B1, b1Row.peakRssMb),
      ...SERVICES.map((name) => memory(name, context.idleMb[name], context.rssMb[name])),
    ].join(", ")}`,
  );
  printTelemetry(context.spans, " from the three services");
  const uploads: Record<string, number> = {};
  for (const run of uploadRow.runs) {
    for (const [status, count] of Object.entries(run.statuses)) {
      uploads[status] = (uploads[status] ?? 0) + count;
    }
  }
  console.log(
    `upload statuses (measured rounds): ${
      Object.entries(uploads)
        .map(([status, count]) => `${count}x ${status}`)
        .join(", ") || "none counted"
    }`,
  );
  for (const name of SERVICES) printServiceLog(name, context.logs[name], context.exits[name]);
  printWrkProblems(rows);
}
