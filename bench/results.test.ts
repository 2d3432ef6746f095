import { expect, test } from "bun:test";
import { parseArgs, recordedRows, recordRows } from "./results.ts";
import { rowOf, type WrkResult } from "./wrk.ts";

const run = (rps: number, requests: number, cpuSeconds?: number): WrkResult => ({
  rps,
  p50Ms: 1.5,
  p99Ms: 4.25,
  requests,
  socketErrors: { connect: 0, read: 0, write: 0, timeout: 0 },
  non2xx: 0,
  statuses: {},
  ...(cpuSeconds === undefined ? {} : { cpuSeconds, databaseCpuSeconds: cpuSeconds / 2 }),
  raw: "",
});

test("a row's CPU per request is its runs' CPU time over their requests", () => {
  const row = rowOf("GET /auth/me", { url: "http://x", connections: 32 }, [
    run(1000, 5000, 0.25),
    run(1200, 6000, 0.3),
  ]);
  expect(row.cpuUsPerReq).toBeCloseTo((0.55 / 11000) * 1e6, 6);
  expect(row.databaseCpuUsPerReq).toBeCloseTo((0.275 / 11000) * 1e6, 6);
  const unknown = rowOf("B0", { url: "http://x", connections: 32 }, [run(1, 1)]);
  expect(unknown.cpuUsPerReq).toBeUndefined();
});

test("rows are recorded as the JSON file holds them, unknown values null", () => {
  recordRows("http", [
    rowOf("B1", { url: "http://x", connections: 32 }, [run(2000, 10000, 0.2)]),
    rowOf("GET /auth/me", { url: "http://x", connections: 32 }, [run(1500, 7500)]),
  ]);
  expect(recordedRows()).toEqual([
    {
      section: "http",
      row: "B1",
      rps: 2000,
      p50_ms: 1.5,
      p99_ms: 4.25,
      cpu_us_per_req: 20,
      database_cpu_us_per_req: 10,
      peak_rss_mb: null,
    },
    {
      section: "http",
      row: "GET /auth/me",
      rps: 1500,
      p50_ms: 1.5,
      p99_ms: 4.25,
      cpu_us_per_req: null,
      database_cpu_us_per_req: null,
      peak_rss_mb: null,
    },
  ]);
});

test("arguments: a section, --json FILE, both, or neither", () => {
  expect(parseArgs([])).toEqual({});
  expect(parseArgs(["http"])).toEqual({ section: "http" });
  expect(parseArgs(["--json", "out.json"])).toEqual({ json: "out.json" });
  expect(parseArgs(["hangout", "--json", "out.json"])).toEqual({
    section: "hangout",
    json: "out.json",
  });
  expect(() => parseArgs(["--json"])).toThrow("--json needs a file name");
  expect(() => parseArgs(["http", "grpc"])).toThrow("one section at most");
});
