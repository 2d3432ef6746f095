import { median, peakRssMb, positiveNumber, procCpuSeconds, ROUNDS, WARMUP_S } from "./common.ts";

// The wrk machinery both HTTP sections (run.ts: auth, hangout.ts: hangout) share: running wrk,
// parsing its output, judging a run clean, and measuring one load or interleaved rounds of several.

export const DURATION_S = positiveNumber("BENCH_DURATION_SECONDS", 10);
export const ROUND_S = positiveNumber("BENCH_ROUND_SECONDS", 5);

// ---------------------------------------------------------------------------------------------
// wrk

export interface WrkResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  socketErrors: { connect: number; read: number; write: number; timeout: number };
  non2xx: number;
  /** Response statuses counted by a Lua script, when the script counts them. */
  statuses: Record<string, number>;
  /** CPU time the server (`Load.pid`) and the database used during the run, when known. */
  cpuSeconds?: number;
  databaseCpuSeconds?: number;
  raw: string;
}

export async function ensureWrk() {
  if (Bun.which("wrk")) return;
  console.log("wrk is not on PATH; installing it with apt-get ...");
  const install = async () =>
    (await Bun.spawn(["apt-get", "install", "-y", "-q", "wrk"], {
      stdout: "inherit",
      stderr: "inherit",
      // needrestart must not restart anybody's services: list only, or skip it.
      env: {
        ...process.env,
        DEBIAN_FRONTEND: "noninteractive",
        NEEDRESTART_MODE: "l",
        NEEDRESTART_SUSPEND: "1",
      },
    }).exited) === 0;
  if (!(await install())) {
    await Bun.spawn(["apt-get", "update", "-q"], { stdout: "inherit", stderr: "inherit" }).exited;
    if (!(await install())) throw new Error("could not install wrk (apt-get install -y wrk)");
  }
  if (!Bun.which("wrk")) throw new Error("wrk still not on PATH after installing it");
}

export interface Load {
  url: string;
  connections: number;
  headers?: string[];
  script?: string;
  env?: Record<string, string>;
  /** The server's process: its CPU time and peak RSS are charged to the load's row. */
  pid?: number;
}

/** The MariaDB/MySQL server's process, whose CPU time each row shows apart; once per run. */
let databasePid: number | undefined | null = null;
function database(): number | undefined {
  if (databasePid === null) {
    const found = Bun.spawnSync(["pgrep", "-o", "-x", "mariadbd|mysqld"]).stdout.toString().trim();
    databasePid = found ? Number(found) : undefined;
  }
  return databasePid;
}

const cpuNow = (pid: number | undefined) => (pid ? procCpuSeconds(pid) : undefined);

export async function runWrk(options: Load & { seconds: number }): Promise<WrkResult> {
  const args = [
    "wrk",
    "-t1",
    `-c${options.connections}`,
    `-d${options.seconds}s`,
    "--timeout",
    "5s",
    "--latency",
  ];
  for (const header of options.headers ?? []) args.push("-H", header);
  if (options.script) args.push("-s", options.script);
  args.push(options.url);
  const cpuBefore = cpuNow(options.pid);
  const databaseBefore = cpuNow(database());
  const proc = Bun.spawn(args, {
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, ...options.env },
  });
  runningWrk.add(proc);
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]).finally(() => runningWrk.delete(proc));
  if (code !== 0) throw new Error(`wrk exited ${code}: ${stderr || stdout}`);
  const result = parseWrk(stdout);
  const cpuAfter = cpuNow(options.pid);
  const databaseAfter = cpuNow(database());
  if (cpuBefore !== undefined && cpuAfter !== undefined) result.cpuSeconds = cpuAfter - cpuBefore;
  if (databaseBefore !== undefined && databaseAfter !== undefined) {
    result.databaseCpuSeconds = databaseAfter - databaseBefore;
  }
  return result;
}

/** wrk processes still running, so that an interrupted bench can stop them too. */
const runningWrk = new Set<Bun.Subprocess>();

/** Stops every wrk still running (an interrupted or failed section). */
export function stopWrk() {
  for (const wrk of runningWrk) wrk.kill("SIGTERM");
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function latencyMs(text: string, percentile: string) {
  const match = new RegExp(`^\\s*${percentile}%\\s+([\\d.]+)(us|ms|s|m|h)\\s*$`, "m").exec(text);
  if (!match) throw new Error(`no ${percentile}% latency in wrk output:\n${text}`);
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}

export function parseWrk(text: string): WrkResult {
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(text);
  const total = /^\s*(\d+) requests in /m.exec(text);
  if (!rps || !total) throw new Error(`unexpected wrk output:\n${text}`);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(text);
  const statuses: Record<string, number> = {};
  for (const [, status, count] of text.matchAll(/^status (\d+): (\d+)$/gm)) {
    statuses[status!] = (statuses[status!] ?? 0) + Number(count);
  }
  return {
    rps: Number(rps[1]),
    p50Ms: latencyMs(text, "50"),
    p99Ms: latencyMs(text, "99"),
    requests: Number(total[1]),
    socketErrors: {
      connect: Number(socket?.[1] ?? 0),
      read: Number(socket?.[2] ?? 0),
      write: Number(socket?.[3] ?? 0),
      timeout: Number(socket?.[4] ?? 0),
    },
    non2xx: Number(non2xx?.[1] ?? 0),
    statuses,
    raw: text,
  };
}

/** Problems that make a measurement untrustworthy: empty when the run was clean. */
export function wrkErrors(result: WrkResult): string[] {
  const problems: string[] = [];
  if (result.non2xx > 0) problems.push(`${result.non2xx} non-2xx/3xx responses`);
  const bad = Object.entries(result.statuses).filter(([status]) => !status.startsWith("2"));
  if (bad.length > 0) {
    problems.push(`statuses: ${bad.map(([status, count]) => `${count}x ${status}`).join(", ")}`);
  }
  const { connect, read, write, timeout } = result.socketErrors;
  if (connect + read + write + timeout > 0) {
    problems.push(
      `socket errors: connect ${connect}, read ${read}, write ${write}, timeout ${timeout}`,
    );
  }
  if (result.requests === 0) problems.push("no requests completed");
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Rows

export interface Row {
  name: string;
  connections: number;
  /** One measurement, or one per round for the interleaved rows (in round order). */
  runs: WrkResult[];
  /** The measurement itself, or the medians across rounds. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /**
   * Server CPU microseconds per request: the process's CPU time over every measured run divided
   * by their requests (and the database's, apart), when the load named its process.
   */
  cpuUsPerReq?: number;
  databaseCpuUsPerReq?: number;
  /** The server's peak RSS (VmHWM) in MB, read right after the row's last run. */
  peakRssMb?: number;
  warmupProblems: string[];
}

/** Total CPU seconds of `runs` over their total requests, in microseconds per request. */
function usPerRequest(runs: WrkResult[], cpu: (run: WrkResult) => number | undefined) {
  const seconds = runs.map(cpu);
  if (seconds.some((value) => value === undefined)) return undefined;
  const requests = runs.reduce((sum, run) => sum + run.requests, 0);
  const total = seconds.reduce((sum: number, value) => sum + (value ?? 0), 0);
  return requests > 0 ? (total / requests) * 1e6 : undefined;
}

export function rowOf(name: string, load: Load, runs: WrkResult[], warmup?: WrkResult): Row {
  const cpuUsPerReq = usPerRequest(runs, (run) => run.cpuSeconds);
  const databaseCpuUsPerReq = usPerRequest(runs, (run) => run.databaseCpuSeconds);
  const peak = load.pid ? peakRssMb(load.pid) : 0;
  return {
    name,
    connections: load.connections,
    runs,
    rps: median(runs.map((r) => r.rps)),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    ...(cpuUsPerReq === undefined ? {} : { cpuUsPerReq }),
    ...(databaseCpuUsPerReq === undefined ? {} : { databaseCpuUsPerReq }),
    ...(peak > 0 ? { peakRssMb: peak } : {}),
    warmupProblems: warmup ? wrkErrors(warmup) : [],
  };
}

/** Problems of every measurement of a row, labelled by round when there are rounds. */
export function rowErrors(row: Row): string[] {
  return row.runs.flatMap((run, i) =>
    wrkErrors(run).map((problem) => (row.runs.length > 1 ? `round ${i + 1}: ${problem}` : problem)),
  );
}

/** A single measurement: a warm-up (thrown away), then BENCH_DURATION_SECONDS. */
export async function measure(name: string, options: Load): Promise<Row> {
  process.stdout.write(`  ${name}: warm-up ${WARMUP_S}s ... `);
  const warmup = await runWrk({ ...options, seconds: WARMUP_S });
  process.stdout.write(`measuring ${DURATION_S}s ... `);
  const result = await runWrk({ ...options, seconds: DURATION_S });
  console.log(`${result.rps.toFixed(0)} req/s`);
  return rowOf(name, options, [result], warmup);
}

/**
 * One load in ROUNDS back-to-back measurements of ROUND_S after a warm-up (thrown away): a row
 * whose p99 is the median of the rounds', so one burst of background work on a shared machine
 * cannot decide a latency target alone. The rounds' spread is in `runs`.
 */
export async function measureRounds(name: string, options: Load): Promise<Row> {
  process.stdout.write(`  ${name}: warm-up ${WARMUP_S}s ... `);
  const warmup = await runWrk({ ...options, seconds: WARMUP_S });
  const runs: WrkResult[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const result = await runWrk({ ...options, seconds: ROUND_S });
    runs.push(result);
    process.stdout.write(`${round > 1 ? ", " : ""}${result.rps.toFixed(0)} req/s`);
  }
  console.log("");
  return rowOf(name, options, runs, warmup);
}

/**
 * Loads that are compared with each other, measured in interleaved rounds: one warm-up of each
 * (thrown away), then ROUNDS times each load for ROUND_S, in the given order. Every server must be
 * up throughout; the ones not under load sit idle. Returns one row per load, in the given order.
 */
export async function measureInterleaved(loads: { name: string; load: Load }[]): Promise<Row[]> {
  const warmups: WrkResult[] = [];
  for (const { name, load } of loads) {
    process.stdout.write(`  ${name}: warm-up ${WARMUP_S}s ... `);
    warmups.push(await runWrk({ ...load, seconds: WARMUP_S }));
    console.log("done");
  }
  const runs: WrkResult[][] = loads.map(() => []);
  for (let round = 1; round <= ROUNDS; round++) {
    process.stdout.write(`  round ${round}/${ROUNDS}:`);
    for (const [i, { name, load }] of loads.entries()) {
      const result = await runWrk({ ...load, seconds: ROUND_S });
      runs[i]!.push(result);
      process.stdout.write(
        ` ${name} ${result.rps.toFixed(0)} req/s${i < loads.length - 1 ? "," : ""}`,
      );
    }
    console.log("");
  }
  return loads.map(({ name, load }, i) => rowOf(name, load, runs[i]!, warmups[i]));
}
