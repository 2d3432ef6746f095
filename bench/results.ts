/**
 * `bun run bench -- --json FILE`: every wrk row of the run written as JSON for machines, as
 * `{ section, row, rps, p50_ms, p99_ms, cpu_us_per_req, peak_rss_mb }` with the rows named as the
 * tables name them ("B1", "GET /auth/me", …). A value the run could not read is null.
 */
import { writeFile } from "node:fs/promises";
import type { Row } from "./wrk.ts";

export interface JsonRow {
  section: string;
  row: string;
  rps: number;
  p50_ms: number;
  p99_ms: number;
  cpu_us_per_req: number | null;
  database_cpu_us_per_req: number | null;
  peak_rss_mb: number | null;
}

const recorded: JsonRow[] = [];

const rounded = (value: number | undefined, digits: number) =>
  value === undefined ? null : Number(value.toFixed(digits));

/** Keeps a section's rows for the JSON file (a run without --json writes nothing). */
export function recordRows(section: string, rows: Row[]) {
  for (const row of rows) {
    recorded.push({
      section,
      row: row.name,
      rps: Number(row.rps.toFixed(1)),
      p50_ms: Number(row.p50Ms.toFixed(3)),
      p99_ms: Number(row.p99Ms.toFixed(3)),
      cpu_us_per_req: rounded(row.cpuUsPerReq, 1),
      database_cpu_us_per_req: rounded(row.databaseCpuUsPerReq, 1),
      peak_rss_mb: rounded(row.peakRssMb, 1),
    });
  }
}

export const recordedRows = (): readonly JsonRow[] => recorded;

export async function writeResults(file: string) {
  await writeFile(file, `${JSON.stringify(recorded, null, 2)}\n`);
  console.log(`\nbench: ${recorded.length} rows written to ${file}`);
}

/** The section to run and the JSON file, from `bun bench/run.ts [section] [--json FILE]`. */
export function parseArgs(args: string[]): { section?: string; json?: string } {
  const at = args.indexOf("--json");
  const json = at === -1 ? undefined : args[at + 1];
  if (at !== -1 && (!json || json.startsWith("--"))) throw new Error("--json needs a file name");
  const rest = args.filter((_, i) => at === -1 || (i !== at && i !== at + 1));
  if (rest.length > 1) throw new Error(`one section at most (got ${rest.join(", ")})`);
  return { ...(rest[0] ? { section: rest[0] } : {}), ...(json ? { json } : {}) };
}
