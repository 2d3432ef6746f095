import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";

// What every bench section shares: child processes, /proc memory and CPU, statistics, settings,
// the Markdown table, service logs and running a section on its own.

const ROOT = new URL("../", import.meta.url).pathname;
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

// ---------------------------------------------------------------------------------------------
// Child processes

export interface Child {
  name: string;
  proc: Bun.Subprocess;
  logs: string;
  exit?: { code: number | null };
}

/** Every child still running, so a section can stop them all on failure or Ctrl-C. */
export const children: Child[] = [];

export function spawnChild(
  name: string,
  cmd: string[],
  env: Record<string, string>,
  logDir: string,
) {
  const logs = join(logDir, `${name}.log`);
  const proc = Bun.spawn(cmd, {
    cwd: ROOT,
    stdin: "ignore",
    stdout: Bun.file(logs),
    stderr: Bun.file(join(logDir, `${name}.err.log`)),
    env: { ...process.env, ...env },
  });
  const child: Child = { name, proc, logs };
  void proc.exited.then((code) => {
    child.exit = { code };
  });
  children.push(child);
  return child;
}

/** Polls `url` until it answers 2xx; fails early, with the child's stderr, if the child exits. */
export async function waitReady(child: Child, url: string) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = "no answer";
  while (Date.now() < deadline) {
    if (child.exit) {
      const stderr = await readFile(child.logs.replace(/\.log$/, ".err.log"), "utf8").catch(
        () => "",
      );
      const stdout = await readFile(child.logs, "utf8").catch(() => "");
      throw new Error(
        `${child.name} exited (code ${child.exit.code}) before it was ready\n${(stderr || stdout).slice(-2000)}`,
      );
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await Bun.sleep(100);
  }
  throw new Error(`${child.name} not ready at ${url} after ${READY_TIMEOUT_MS} ms (${last})`);
}

/** SIGTERM, wait for the exit (SIGKILL after a bound). Safe to call twice. */
export async function stopChild(child: Child) {
  const index = children.indexOf(child);
  if (index >= 0) children.splice(index, 1);
  if (!child.exit) {
    child.proc.kill("SIGTERM");
    const stopped = await Promise.race([
      child.proc.exited.then(() => true),
      Bun.sleep(STOP_TIMEOUT_MS).then(() => false),
    ]);
    if (!stopped) {
      console.error(`${child.name} did not exit ${STOP_TIMEOUT_MS} ms after SIGTERM; killing it`);
      child.proc.kill("SIGKILL");
      await child.proc.exited;
    }
  }
  return child.proc.exitCode;
}

// ---------------------------------------------------------------------------------------------
// Memory and CPU of a process

export function procStatusKb(pid: number, field: "VmRSS" | "VmHWM"): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) a process has used so far, in seconds; undefined once it is gone. */
export function procCpuSeconds(pid: number): number | undefined {
  try {
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
/** USER_HZ: 100 on every Linux this runs on (`getconf CLK_TCK`). */
const CLOCK_TICKS_PER_SECOND = 100;

/** Samples a process's VmRSS every 200 ms while a load runs; `stop` returns the highest, in kB. */
export function sampleRss(pid: number) {
  let peakKb = procStatusKb(pid, "VmRSS") ?? 0;
  const timer = setInterval(() => {
    peakKb = Math.max(peakKb, procStatusKb(pid, "VmRSS") ?? 0);
  }, 200);
  return {
    stop() {
      clearInterval(timer);
      return peakKb;
    },
  };
}

/**
 * A process's peak RSS in MB, read while it still runs: its VmHWM (the kernel's high-water mark
 * over its whole life) or, should /proc not report one, the highest of its samples.
 */
export function peakRssMb(pid: number, sampledKb: number[] = []) {
  return Math.max(procStatusKb(pid, "VmHWM") ?? 0, ...sampledKb) / 1024;
}

// ---------------------------------------------------------------------------------------------
// Statistics, settings, output

/** Rounds of every section that measures in rounds, and the warm-up before them. */
export const ROUNDS = positiveInteger("BENCH_ROUNDS", 5);
export const WARMUP_S = positiveNumber("BENCH_WARMUP_SECONDS", 2);

export function median(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export const ascending = (values: number[]) => [...values].sort((a, b) => a - b);

/** Nearest-rank quantile of an ascending array. */
export function quantile(sorted: number[], q: number) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function positiveInteger(name: string, fallback: number) {
  const value = positiveNumber(name, fallback);
  if (!Number.isInteger(value)) throw new Error(`${name} must be a positive integer`);
  return value;
}

export function positiveNumber(name: string, fallback: number) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

/** A comma-separated list of positive integers, e.g. `16,1`. */
export function positiveIntegers(name: string, fallback: number[]) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const values = raw.split(",").map((v) => Number(v.trim()));
  if (values.some((v) => !Number.isInteger(v) || v <= 0)) {
    throw new Error(`${name} must be a comma-separated list of positive integers`);
  }
  return values;
}

export function table(header: string[], body: string[][], align: ("l" | "r")[]) {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const cell = (text: string, i: number) =>
    align[i] === "r" ? text.padStart(widths[i]!) : text.padEnd(widths[i]!);
  const line = (cells: string[]) => `| ${cells.map(cell).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (align[i] === "r" ? `${"-".repeat(w + 1)}:` : `:${"-".repeat(w + 1)}`)).join("|")}|`;
  return [line(header), rule, ...body.map(line)].join("\n");
}

export const fmtMs = (ms: number) =>
  Number.isNaN(ms) ? "-" : ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0);
/** One decimal, so that a ratio just under the target never prints as the target itself. */
export const pct = (r: number) => `${(r * 100).toFixed(1)}%`;

// ---------------------------------------------------------------------------------------------
// HTTP calls and service logs

/** The JSON body of `response`, or an error naming `what` when its status is not `expected`. */
export async function json<T>(response: Response, expected: number, what: string): Promise<T> {
  const text = await response.text();
  if (response.status !== expected) {
    throw new Error(`${what}: expected ${expected}, got ${response.status}: ${text.slice(0, 500)}`);
  }
  return JSON.parse(text) as T;
}

export interface LogSummary {
  lines: number;
  levels: Record<string, number>;
  firstProblem?: string;
}

/** Counts a service's JSON log lines by level and keeps the first warn/error line. */
export async function summarizeLog(path: string): Promise<LogSummary> {
  const summary: LogSummary = { lines: 0, levels: {} };
  const text = await readFile(path, "utf8").catch(() => "");
  let draining = false;
  for (const line of text.split("\n")) {
    if (!line) continue;
    summary.lines += 1;
    const level = /"level":"(\w+)"/.exec(line)?.[1] ?? "unparsed";
    summary.levels[level] = (summary.levels[level] ?? 0) + 1;
    if (line.includes('"msg":"draining"')) draining = true;
    if (!summary.firstProblem && level !== "info" && level !== "debug" && level !== "trace") {
      summary.firstProblem = `${describeLogLine(line)}${draining ? " (logged while draining after SIGTERM)" : ""}`;
    }
  }
  return summary;
}

function describeLogLine(line: string) {
  try {
    const entry = JSON.parse(line) as {
      level?: string;
      time?: string;
      msg?: string;
      route?: string;
      err?: { message?: string; cause?: { message?: string } };
    };
    const cause = entry.err?.cause?.message ?? entry.err?.message?.split("\n").at(-1);
    return [entry.time, entry.level, entry.route, entry.msg, cause].filter(Boolean).join(" | ");
  } catch {
    return line;
  }
}

/** Runs one section as the whole process (`bun bench/<section>.ts`): exit 0, or 1 with the error. */
export async function runAlone(section: () => Promise<void>) {
  try {
    await section();
    process.exit(0);
  } catch (error) {
    console.error(
      `\nbench failed: ${error instanceof Error ? (error.stack ?? error.message) : error}`,
    );
    process.exit(1);
  }
}
