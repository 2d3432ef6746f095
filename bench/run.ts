import { join } from "node:path";
import { freePort } from "@hangout/platform/testing/ports";
import { measureB0, startB1 } from "./baselines.ts";
import {
  fmtMs,
  json,
  type LogSummary,
  median,
  pct,
  procStatusKb,
  spawnChild,
  stopChild,
  summarizeLog,
  table,
  waitReady,
} from "./common.ts";
import { runGrpcBench } from "./grpc.ts";
import { runHangoutBench } from "./hangout.ts";
import { runPresignBench } from "./presign.ts";
import { productionProcess } from "./production.ts";
import { runScoped } from "./scope.ts";
import {
  DURATION_S,
  ensureWrk,
  measure,
  measureInterleaved,
  ROUND_S,
  ROUNDS,
  type Row,
  rowErrors,
  stopWrk,
  WARMUP_S,
  type WrkResult,
  wrkErrors,
} from "./wrk.ts";

const BENCH = new URL("./", import.meta.url).pathname;
const PASSWORD = "bench-Pa55word-correct-horse";

const TARGETS = {
  meRatioToB1: 0.6,
  loginP99Ms: 150,
  authPeakRssMb: 150,
};

// ---------------------------------------------------------------------------------------------
// Memory of the auth process

/** Samples VmRSS every 200 ms while a load runs. */
function sampleRss(pid: number) {
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

// ---------------------------------------------------------------------------------------------
// Context for reading the numbers

/** How long one argon2id verify with the service's default cost takes on this box, in ms. */
async function argon2VerifyMs() {
  const options = { algorithm: "argon2id", memoryCost: 19_456, timeCost: 2 } as const;
  const hash = await Bun.password.hash(PASSWORD, options);
  await Bun.password.verify(PASSWORD, hash);
  const started = performance.now();
  for (let i = 0; i < 5; i++) await Bun.password.verify(PASSWORD, hash);
  return (performance.now() - started) / 5;
}

// ---------------------------------------------------------------------------------------------
// The run

async function main() {
  await ensureWrk();
  await runScoped("http", async (scope) => {
    scope.beforeChildrenStop(stopWrk);
    const { logDir } = scope;
    console.log(
      `bench: wrk -t1; B0 and login ${DURATION_S}s after a ${WARMUP_S}s warm-up; B1 and /auth/me ` +
        `interleaved, ${ROUNDS} rounds of ${ROUND_S}s each after a ${WARMUP_S}s warm-up; logs in ${logDir}`,
    );
    const database = await scope.database("auth");

    // Ports are picked right before each spawn so they are still free.
    const { child: otlp, url: otlpUrl } = await scope.otlpSink();

    const authPort = freePort();
    const authProcess = await productionProcess("auth");
    const auth = spawnChild(
      "auth",
      authProcess.cmd,
      {
        ...authProcess.env,
        DEPLOY_ENV: "development",
        LOG_LEVEL: "info",
        AUTH_PORT: String(authPort),
        AUTH_DATABASE_URL: database.url,
        AUTH_JWT_PRIVATE_KEY_FILE: join(logDir, "jwt-es256.pem"),
        // The whole run fits in the default 900 s, but a slow apt-get must not expire the token.
        AUTH_ACCESS_TOKEN_TTL_SECONDS: "3600",
        OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl,
      },
      logDir,
    );
    const authUrl = `http://127.0.0.1:${authPort}`;
    await waitReady(auth, `${authUrl}/healthz`);
    await waitReady(auth, `${authUrl}/readyz`);

    const email = `bench-${Date.now().toString(36)}@example.com`;
    const headers = { "content-type": "application/json" };
    const user = await json<{ id: string }>(
      await fetch(`${authUrl}/auth/signup`, {
        method: "POST",
        headers,
        body: JSON.stringify({ email, password: PASSWORD, name: "Bench User" }),
      }),
      201,
      "sign-up",
    );
    const loginBody = JSON.stringify({ email, password: PASSWORD });
    const { accessToken } = await json<{ accessToken: string }>(
      await fetch(`${authUrl}/auth/login`, { method: "POST", headers, body: loginBody }),
      200,
      "login",
    );
    const bearer = `Authorization: Bearer ${accessToken}`;
    await json(
      await fetch(`${authUrl}/auth/me`, { headers: { authorization: `Bearer ${accessToken}` } }),
      200,
      "GET /auth/me",
    );
    console.log(
      `auth ready (pid ${auth.proc.pid}: ${authProcess.describe}); user ${user.id} signed up and logged in`,
    );

    const argon2Ms = await argon2VerifyMs();
    const rows: Row[] = [];

    // B0 runs alone while auth sits idle, and is stopped before anything else is loaded.
    rows.push(await measureB0(logDir));

    // B1 and /auth/me: both servers up, loaded in turn (the other one idle), round after round,
    // so that each /auth/me slice is compared with a B1 slice measured seconds before it.
    const { child: b1, url: b1Url } = await startB1(logDir, database.url, user.id);

    const authPid = auth.proc.pid;
    const meSampler = sampleRss(authPid);
    rows.push(
      ...(await measureInterleaved([
        { name: "B1", load: { url: b1Url, connections: 32 } },
        {
          name: "GET /auth/me",
          load: { url: `${authUrl}/auth/me`, connections: 32, headers: [bearer] },
        },
      ])),
    );
    const meRssKb = meSampler.stop();
    const b1HwmKb = procStatusKb(b1.proc.pid, "VmHWM") ?? 0;
    await stopChild(b1);

    const loginSampler = sampleRss(authPid);
    rows.push(
      await measure("POST /auth/login (c=4)", {
        url: `${authUrl}/auth/login`,
        connections: 4,
        script: join(BENCH, "login.lua"),
        env: { BENCH_LOGIN_BODY: loginBody },
      }),
    );
    const loginRssKb = loginSampler.stop();
    const hwmKb = procStatusKb(authPid, "VmHWM") ?? 0;
    const peakRssMb = Math.max(hwmKb, meRssKb, loginRssKb) / 1024;

    const spans = await fetch(`${otlpUrl}/stats`)
      .then((r) => r.json() as Promise<{ requests: number; bytes: number }>)
      .catch(() => undefined);

    const authExit = await stopChild(auth);
    await stopChild(otlp);
    const authLog = await summarizeLog(auth.logs);

    report(rows, {
      peakRssMb,
      hwmMb: hwmKb / 1024,
      meRssMb: meRssKb / 1024,
      loginRssMb: loginRssKb / 1024,
      b1HwmMb: b1HwmKb / 1024,
      spans,
      authExit,
      authLog,
      argon2Ms,
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Output

const ratio = (r: number) => r.toFixed(r >= 0.1 ? 2 : 3);

export function report(
  rows: Row[],
  memory: {
    peakRssMb: number;
    hwmMb: number;
    meRssMb: number;
    loginRssMb: number;
    b1HwmMb: number;
    spans: { requests: number; bytes: number } | undefined;
    authExit: number | null;
    authLog: LogSummary;
    argon2Ms: number;
  },
) {
  const byName = (name: string) => rows.find((r) => r.name.startsWith(name))!;
  const b1Row = byName("B1");
  const meRow = byName("GET /auth/me");
  const loginRow = byName("POST /auth/login");
  const b1 = b1Row.rps;
  const invalid = rows.filter((row) => rowErrors(row).length > 0);

  // The same round's B1 and /auth/me, measured seconds apart.
  const roundRatios = meRow.runs.map((me, i) => me.rps / b1Row.runs[i]!.rps);
  const minRatio = Math.min(...roundRatios);
  const maxRatio = Math.max(...roundRatios);
  const pairedRatio = median(roundRatios);
  const rounds = meRow.runs.length;
  const measuredAs = (row: Row) =>
    row.runs.length > 1 ? `median of ${row.runs.length}` : `${DURATION_S}s`;

  console.log("");
  console.log(
    table(
      [
        "",
        "measured",
        "req/s",
        "p50 ms",
        "p99 ms",
        "ratio to B1",
        "per-round ratio: median (min-max)",
      ],
      rows.map((row) => [
        `${row.name}${rowErrors(row).length > 0 ? " (!)" : ""}`,
        measuredAs(row),
        row.rps.toFixed(0),
        fmtMs(row.p50Ms),
        fmtMs(row.p99Ms),
        ratio(row.rps / b1),
        row === meRow ? `${ratio(pairedRatio)} (${ratio(minRatio)}-${ratio(maxRatio)})` : "",
      ]),
      ["l", "l", "r", "r", "r", "r", "r"],
    ),
  );
  console.log(
    `(B1 and /auth/me: medians across ${rounds} interleaved rounds of ${ROUND_S}s each; ratio to ` +
      "B1 = ratio of the medians; per-round ratio = /auth/me over B1 within one round, the median " +
      "of the rounds and their min-max; the target uses the per-round median)",
  );

  console.log("");
  console.log(
    table(
      ["round", "B1 req/s", "B1 p99 ms", "/auth/me req/s", "/auth/me p99 ms", "ratio"],
      meRow.runs.map((me, i) => {
        const base = b1Row.runs[i]!;
        const flag = (r: WrkResult) => (wrkErrors(r).length > 0 ? " (!)" : "");
        return [
          String(i + 1),
          `${base.rps.toFixed(0)}${flag(base)}`,
          fmtMs(base.p99Ms),
          `${me.rps.toFixed(0)}${flag(me)}`,
          fmtMs(me.p99Ms),
          ratio(roundRatios[i]!),
        ];
      }),
      ["r", "r", "r", "r", "r", "r"],
    ),
  );

  // The verdict uses the median of the per-round ratios: each pairs a B1 and an /auth/me slice
  // measured seconds apart, so drift on the box cancels within a pair. The ratio of the two
  // medians can pair a fast B1 round with a slow /auth/me round and moves more from run to run.
  const meRatio = pairedRatio;
  const target = TARGETS.meRatioToB1;
  const straddles = minRatio < target && maxRatio >= target;
  const verdict = (pass: boolean, ...from: Row[]) =>
    `${pass ? "PASS" : "MISS"}${from.some((row) => rowErrors(row).length > 0) ? " (!) invalid: errors under load" : ""}`;
  console.log("");
  console.log(
    table(
      ["target", "measured", "result"],
      [
        [
          `/auth/me req/s >= ${target * 100}% of B1`,
          `${pct(meRatio)} (median of ${rounds} rounds, ${pct(minRatio)}-${pct(maxRatio)}; ratio of medians ${pct(meRow.rps / b1)}: ${meRow.rps.toFixed(0)} / ${b1.toFixed(0)})`,
          `${verdict(meRatio >= target, meRow, b1Row)}${straddles ? " (rounds straddle the target)" : ""}`,
        ],
        [
          `login p99 < ${TARGETS.loginP99Ms} ms`,
          `${fmtMs(loginRow.p99Ms)} ms`,
          verdict(loginRow.p99Ms < TARGETS.loginP99Ms, loginRow),
        ],
        [
          `auth peak RSS < ${TARGETS.authPeakRssMb} MB`,
          `${memory.peakRssMb.toFixed(1)} MB`,
          verdict(memory.peakRssMb < TARGETS.authPeakRssMb, meRow, loginRow),
        ],
      ],
      ["l", "r", "l"],
    ),
  );

  console.log("");
  console.log(
    `auth memory: VmHWM ${memory.hwmMb.toFixed(1)} MB; sampled VmRSS peak ${memory.meRssMb.toFixed(1)} MB during the B1 + /auth/me rounds, ${memory.loginRssMb.toFixed(1)} MB during login (B1's VmHWM: ${memory.b1HwmMb.toFixed(1)} MB)`,
  );
  console.log(
    memory.spans
      ? `telemetry: the OTLP sink received ${memory.spans.requests} exports (${(memory.spans.bytes / 1024 / 1024).toFixed(1)} MB)`
      : "telemetry: could not read the OTLP sink's counters",
  );
  console.log(
    `argon2id (19 MiB, t=2, p=1): one verify takes ${memory.argon2Ms.toFixed(0)} ms here when the box is idle; auth runs one at a time (AUTH_PASSWORD_CONCURRENCY's default), so 4 logins at once queue for up to 4 of them`,
  );
  const { lines, levels, firstProblem } = memory.authLog;
  const levelCounts = Object.entries(levels)
    .map(([level, count]) => `${count} ${level}`)
    .join(", ");
  console.log(`auth log: ${lines} lines (${levelCounts || "none"})`);
  if (firstProblem) console.log(`  first warn/error: ${firstProblem.slice(0, 300)}`);
  if (memory.authExit !== 0) {
    console.log(`note: auth exited with ${memory.authExit} on SIGTERM (expected 0)`);
  }
  for (const row of rows) {
    if (row.warmupProblems.length > 0) {
      console.log(`warm-up of ${row.name}: ${row.warmupProblems.join("; ")}`);
    }
  }

  if (invalid.length === 0) {
    console.log("wrk errors: none (no non-2xx responses, no socket errors)");
    return;
  }
  const banner = "!".repeat(78);
  console.log(`\n${banner}`);
  console.log("!!! INVALID MEASUREMENTS: errors under load; the numbers marked (!) don't count");
  for (const row of invalid) console.log(`!!!   ${row.name}: ${rowErrors(row).join("; ")}`);
  console.log(banner);
}

if (import.meta.main) {
  // `bun run bench` runs the HTTP (auth) section, then the gRPC one (bench/grpc.ts), the hangout
  // one (bench/hangout.ts) and the presigner one (bench/presign.ts);
  // `bun run bench http|grpc|hangout|presign` runs only that one.
  const sections = {
    http: main,
    grpc: runGrpcBench,
    hangout: runHangoutBench,
    presign: runPresignBench,
  };
  const only = process.argv[2];
  if (only !== undefined && !Object.hasOwn(sections, only)) {
    console.error(`usage: bun bench/run.ts [http|grpc|hangout|presign]  (got "${only}")`);
    process.exit(2);
  }
  try {
    const run =
      only === undefined ? Object.values(sections) : [sections[only as keyof typeof sections]];
    for (const [i, section] of run.entries()) {
      if (i > 0) console.log("");
      await section();
    }
    process.exit(0);
  } catch (error) {
    console.error(
      `\nbench failed: ${error instanceof Error ? (error.stack ?? error.message) : error}`,
    );
    process.exit(1);
  }
}
