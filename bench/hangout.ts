import { join } from "node:path";
import { sha256Base64 } from "@hangout/platform/testing/images";
import { freePort } from "@hangout/platform/testing/ports";
import { measureB0, startB1 } from "./baselines.ts";
import {
  type Child,
  fmtMs,
  json,
  type LogSummary,
  median,
  pct,
  procCpuSeconds,
  procStatusKb,
  spawnChild,
  stopChild,
  summarizeLog,
  table,
  waitReady,
} from "./common.ts";
import { productionProcess } from "./production.ts";
import { runScoped } from "./scope.ts";
import {
  DURATION_S,
  ensureWrk,
  measureInterleaved,
  measureRounds,
  ROUND_S,
  ROUNDS,
  type Row,
  rowErrors,
  stopWrk,
  WARMUP_S,
  type WrkResult,
  wrkErrors,
} from "./wrk.ts";

// The hangout section: the real auth, file and hangout services (main.ts each, own process, own
// throwaway database, mTLS between them through a real step-ca, a local S3 store), loaded with
// wrk through the hangout service's public HTTP API as an authenticated member, beside the B0 and
// B1 baselines of the same run.

const BENCH = new URL("./", import.meta.url).pathname;
const PASSWORD = "bench-Pa55word-correct-horse";
/** More than one page of 20, so that `GET /hangouts?limit=20` always returns a full page. */
const HANGOUTS = 25;
const PAGE = 20;
const UPLOAD_FILES = 10;

const TARGETS = {
  getRatioToB1: 0.4,
  uploadP99Ms: 50,
};

const NAMES = {
  get: "GET /hangouts/{id}",
  list: `GET /hangouts?limit=${PAGE}`,
  upload: `POST .../memories/uploads x${UPLOAD_FILES} (c=16)`,
};

/**
 * Ten upload intents as a client would send them. No bytes are ever PUT, so the sizes are fixed
 * and every file claims the same (well-formed) SHA-256; the services only check its shape here.
 */
function uploadBody() {
  const formats = [
    ["jpg", "image/jpeg"],
    ["png", "image/png"],
    ["webp", "image/webp"],
    ["gif", "image/gif"],
  ] as const;
  const sha256 = sha256Base64(new TextEncoder().encode("hangout-planner bench photo"));
  return JSON.stringify({
    files: Array.from({ length: UPLOAD_FILES }, (_, i) => {
      const [extension, contentType] = formats[i % formats.length]!;
      return {
        filename: `bench-photo-${i}.${extension}`,
        contentType,
        size: 1_500_000 + i * 1000,
        sha256,
      };
    }),
  });
}

interface Services {
  auth: Child;
  file: Child;
  hangout: Child;
}

export async function runHangoutBench() {
  await ensureWrk();
  await runScoped("hangout", async (scope) => {
    scope.beforeChildrenStop(stopWrk);
    const { logDir } = scope;
    console.log(
      `bench hangout: wrk -t1; B0 ${DURATION_S}s after a ${WARMUP_S}s warm-up; uploads ${ROUNDS} rounds of ${ROUND_S}s after a ${WARMUP_S}s warm-up; B1, ` +
        `${NAMES.get} and ${NAMES.list} interleaved, ${ROUNDS} rounds of ${ROUND_S}s each after ` +
        `a ${WARMUP_S}s warm-up; logs in ${logDir}`,
    );
    const authDb = await scope.database("auth");
    const fileDb = await scope.database("file");
    const hangoutDb = await scope.database("hangout");
    const s3 = await scope.s3();
    const ca = await scope.ca();
    console.log(`step-ca on ${ca.ca.url}, S3 store on ${s3.endpoint}`);

    // Ports are picked right before each spawn so they are still free.
    const { child: otlp, url: otlpUrl } = await scope.otlpSink();
    // Every service as it runs for real: telemetry on, one JSON access-log line per request.
    const common = {
      DEPLOY_ENV: "development",
      LOG_LEVEL: "info",
      OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl,
    };

    const authPort = freePort();
    const authGrpcPort = freePort();
    const authProcess = await productionProcess("auth");
    const auth = spawnChild(
      "auth",
      authProcess.cmd,
      {
        ...authProcess.env,
        ...common,
        ...ca.envFor("auth"),
        AUTH_PORT: String(authPort),
        AUTH_GRPC_PORT: String(authGrpcPort),
        AUTH_DATABASE_URL: authDb.url,
        AUTH_JWT_PRIVATE_KEY_FILE: join(logDir, "jwt-es256.pem"),
        // The whole run fits in the default 900 s, but a slow start must not expire the token.
        AUTH_ACCESS_TOKEN_TTL_SECONDS: "3600",
      },
      logDir,
    );
    const authUrl = `http://127.0.0.1:${authPort}`;
    await waitReady(auth, `${authUrl}/readyz`);

    const fileHttpPort = freePort();
    const fileGrpcPort = freePort();
    const fileProcess = await productionProcess("file");
    const file = spawnChild(
      "file",
      fileProcess.cmd,
      {
        ...fileProcess.env,
        ...common,
        ...ca.envFor("file"),
        ...s3.env,
        FILE_HTTP_PORT: String(fileHttpPort),
        FILE_GRPC_PORT: String(fileGrpcPort),
        FILE_DATABASE_URL: fileDb.url,
        // No reaper pass during the run: nothing the bench leaves PENDING expires before it ends.
        FILE_REAPER_INTERVAL_SECONDS: "3600",
      },
      logDir,
    );
    await waitReady(file, `http://127.0.0.1:${fileHttpPort}/readyz`);

    const hangoutPort = freePort();
    const hangoutProcess = await productionProcess("hangout");
    const hangout = spawnChild(
      "hangout",
      hangoutProcess.cmd,
      {
        ...hangoutProcess.env,
        ...common,
        ...ca.envFor("hangout"),
        HANGOUT_PORT: String(hangoutPort),
        HANGOUT_DATABASE_URL: hangoutDb.url,
        AUTH_JWKS_URL: `${authUrl}/.well-known/jwks.json`,
        AUTH_GRPC_TARGET: `localhost:${authGrpcPort}`,
        FILE_GRPC_TARGET: `localhost:${fileGrpcPort}`,
        // No sweeper pass during the run: no pending memory gets old enough to reconcile.
        HANGOUT_SWEEP_INTERVAL_SECONDS: "3600",
      },
      logDir,
    );
    const hangoutUrl = `http://127.0.0.1:${hangoutPort}`;
    await waitReady(hangout, `${hangoutUrl}/readyz`);
    const services: Services = { auth, file, hangout };

    // A member: signed up and logged in through the real API; owner of every hangout below.
    const email = `bench-${Date.now().toString(36)}@example.com`;
    const jsonHeaders = { "content-type": "application/json" };
    const user = await json<{ id: string }>(
      await fetch(`${authUrl}/auth/signup`, {
        method: "POST",
        headers: jsonHeaders,
        body: JSON.stringify({ email, password: PASSWORD, name: "Bench User" }),
      }),
      201,
      "sign-up",
    );
    const { accessToken } = await json<{ accessToken: string }>(
      await fetch(`${authUrl}/auth/login`, {
        method: "POST",
        headers: jsonHeaders,
        body: JSON.stringify({ email, password: PASSWORD }),
      }),
      200,
      "login",
    );
    const bearer = `Authorization: Bearer ${accessToken}`;
    const api = (method: string, path: string, body?: unknown) =>
      fetch(`${hangoutUrl}${path}`, {
        method,
        headers: { ...jsonHeaders, authorization: `Bearer ${accessToken}` },
        body: body === undefined ? undefined : JSON.stringify(body),
      });

    const hangoutIds: string[] = [];
    for (let i = 0; i < HANGOUTS; i++) {
      const day = String(1 + (i % 28)).padStart(2, "0");
      const created = await json<{ id: string }>(
        await api("POST", "/hangouts", {
          title: `Bench hangout ${i + 1}`,
          description: "A hangout the bench reads and uploads memories to.",
          location: { name: "Bench Park", address: "1 Bench Street", lat: 48.85, lng: 2.35 },
          startsAt: `2031-${String(1 + (i % 12)).padStart(2, "0")}-${day}T18:00:00Z`,
          endsAt: `2031-${String(1 + (i % 12)).padStart(2, "0")}-${day}T22:00:00Z`,
        }),
        201,
        `POST /hangouts (${i + 1})`,
      );
      hangoutIds.push(created.id);
    }
    const hangoutId = hangoutIds[0]!;
    await json(await api("GET", `/hangouts/${hangoutId}`), 200, `GET /hangouts/${hangoutId}`);
    const page = await json<{ items: unknown[] }>(
      await api("GET", `/hangouts?limit=${PAGE}`),
      200,
      "GET /hangouts",
    );
    if (page.items.length !== PAGE) {
      throw new Error(`GET /hangouts?limit=${PAGE} returned ${page.items.length} items`);
    }
    // No cap on pending memories or uploads per hangout (services/hangout/src/services/memories.ts,
    // config.ts), but the uploads still go round-robin over every hangout, as many members would.
    const uploadPaths = hangoutIds.map((id) => `/hangouts/${id}/memories/uploads`);
    const body = uploadBody();
    const issued = await json<{ uploads: unknown[] }>(
      await fetch(`${hangoutUrl}${uploadPaths[0]}`, {
        method: "POST",
        headers: { ...jsonHeaders, authorization: `Bearer ${accessToken}` },
        body,
      }),
      201,
      "POST /hangouts/:id/memories/uploads",
    );
    if (issued.uploads.length !== UPLOAD_FILES) {
      throw new Error(`${issued.uploads.length} uploads issued for ${UPLOAD_FILES} files`);
    }
    console.log(
      `services ready (auth pid ${auth.proc.pid}, file pid ${file.proc.pid}, hangout pid ${hangout.proc.pid}); ` +
        `user ${user.id} owns ${HANGOUTS} hangouts; a full page of ${PAGE} and ${UPLOAD_FILES} upload URLs checked\n` +
        [authProcess, fileProcess, hangoutProcess].map((p) => `  ${p.describe}`).join("\n"),
    );

    const rows: Row[] = [];

    // B0 runs alone while the services sit idle, and is stopped before anything else is loaded.
    rows.push(await measureB0(logDir));

    // B1 and the two reads: every server up, loaded in turn (the others idle), round after round.
    const { child: b1, url: b1Url } = await startB1(logDir, authDb.url, user.id);
    rows.push(
      ...(await measureInterleaved([
        { name: "B1", load: { url: b1Url, connections: 32 } },
        {
          name: NAMES.get,
          load: { url: `${hangoutUrl}/hangouts/${hangoutId}`, connections: 32, headers: [bearer] },
        },
        {
          name: NAMES.list,
          load: { url: `${hangoutUrl}/hangouts?limit=${PAGE}`, connections: 32, headers: [bearer] },
        },
      ])),
    );
    await stopChild(b1);

    // Where the upload chain spends its CPU: each process's share of the 2 cores while it runs.
    const dbPid = Bun.spawnSync(["pgrep", "-o", "-x", "mariadbd|mysqld"]).stdout.toString().trim();
    const cpuOf = {
      hangout: services.hangout.proc.pid,
      file: services.file.proc.pid,
      auth: services.auth.proc.pid,
      ...(dbPid ? { database: Number(dbPid) } : {}),
      // The bench's stand-in for the collector, which in production runs on another host.
      "OTLP sink": otlp.proc.pid,
    };
    const cpuBefore = Object.entries(cpuOf).map(
      ([name, pid]) => [name, procCpuSeconds(pid) ?? 0] as const,
    );
    const uploadStarted = performance.now();
    rows.push(
      await measureRounds(NAMES.upload, {
        url: hangoutUrl,
        connections: 16,
        headers: [bearer],
        script: join(BENCH, "uploads.lua"),
        env: { BENCH_UPLOAD_BODY: body, BENCH_UPLOAD_PATHS: uploadPaths.join(",") },
      }),
    );
    const uploadSeconds = (performance.now() - uploadStarted) / 1000;
    const uploadCpu = cpuBefore.map(
      ([name, before]) =>
        `${name} ${(((procCpuSeconds(cpuOf[name as keyof typeof cpuOf] ?? 0) ?? before) - before) / uploadSeconds).toFixed(2)}`,
    );
    console.log(`  CPU during the uploads (cores of 2, warm-up included): ${uploadCpu.join(", ")}`);

    const rssMb = Object.fromEntries(
      Object.entries(services).map(([name, child]) => [
        name,
        (procStatusKb(child.proc.pid, "VmHWM") ?? 0) / 1024,
      ]),
    ) as Record<keyof Services, number>;
    const spans = await fetch(`${otlpUrl}/stats`)
      .then((r) => r.json() as Promise<{ requests: number; bytes: number }>)
      .catch(() => undefined);

    const exits = {} as Record<keyof Services, number | null>;
    const logs = {} as Record<keyof Services, LogSummary>;
    for (const name of ["hangout", "file", "auth"] as const) {
      exits[name] = await stopChild(services[name]);
    }
    await stopChild(otlp);
    for (const name of ["hangout", "file", "auth"] as const) {
      logs[name] = await summarizeLog(services[name].logs);
    }

    report(rows, { rssMb, spans, exits, logs });
  });
}

// ---------------------------------------------------------------------------------------------
// Output

const ratio = (r: number) => r.toFixed(r >= 0.1 ? 2 : 3);

function report(
  rows: Row[],
  context: {
    rssMb: Record<keyof Services, number>;
    spans: { requests: number; bytes: number } | undefined;
    exits: Record<keyof Services, number | null>;
    logs: Record<keyof Services, LogSummary>;
  },
) {
  const byName = (name: string) => rows.find((r) => r.name === name)!;
  const b1Row = byName("B1");
  const getRow = byName(NAMES.get);
  const listRow = byName(NAMES.list);
  const uploadRow = byName(NAMES.upload);
  const b1 = b1Row.rps;
  const invalid = rows.filter((row) => rowErrors(row).length > 0);

  // Each read's req/s over the same round's B1, measured seconds apart.
  const perRound = (row: Row) => {
    const ratios = row.runs.map((run, i) => run.rps / b1Row.runs[i]!.rps);
    return { ratios, median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
  };
  const paired = new Map([getRow, listRow].map((row) => [row, perRound(row)]));
  const measuredAs = (row: Row) =>
    row.runs.length > 1 ? `median of ${row.runs.length}` : `${DURATION_S}s`;

  console.log("");
  console.log(
    table(
      [
        "",
        "measured",
        "conns",
        "req/s",
        "p50 ms",
        "p99 ms",
        "ratio to B1",
        "per-round ratio: median (min-max)",
      ],
      rows.map((row) => {
        const pairs = paired.get(row);
        return [
          `${row.name}${rowErrors(row).length > 0 ? " (!)" : ""}`,
          measuredAs(row),
          String(row.connections),
          row.rps.toFixed(0),
          fmtMs(row.p50Ms),
          fmtMs(row.p99Ms),
          ratio(row.rps / b1),
          pairs ? `${ratio(pairs.median)} (${ratio(pairs.min)}-${ratio(pairs.max)})` : "",
        ];
      }),
      ["l", "l", "r", "r", "r", "r", "r", "r"],
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

  const flag = (r: WrkResult) => (wrkErrors(r).length > 0 ? " (!)" : "");
  console.log("");
  console.log(
    table(
      [
        "round",
        "B1 req/s",
        "B1 p99",
        "get req/s",
        "get p99",
        "get ratio",
        "list req/s",
        "list p99",
        "list ratio",
      ],
      b1Row.runs.map((base, i) => {
        const get = getRow.runs[i]!;
        const list = listRow.runs[i]!;
        return [
          String(i + 1),
          `${base.rps.toFixed(0)}${flag(base)}`,
          fmtMs(base.p99Ms),
          `${get.rps.toFixed(0)}${flag(get)}`,
          fmtMs(get.p99Ms),
          ratio(paired.get(getRow)!.ratios[i]!),
          `${list.rps.toFixed(0)}${flag(list)}`,
          fmtMs(list.p99Ms),
          ratio(paired.get(listRow)!.ratios[i]!),
        ];
      }),
      ["r", "r", "r", "r", "r", "r", "r", "r", "r"],
    ),
  );
  console.log(`(get = ${NAMES.get}, list = ${NAMES.list}; p99 in ms)`);

  const get = paired.get(getRow)!;
  const target = TARGETS.getRatioToB1;
  const p99s = uploadRow.runs.map((run) => run.p99Ms);
  const uploadP99s = `${fmtMs(Math.min(...p99s))}-${fmtMs(Math.max(...p99s))} ms`;
  const straddles = get.min < target && get.max >= target;
  const verdict = (pass: boolean, ...from: Row[]) =>
    `${pass ? "PASS" : "MISS"}${from.some((row) => rowErrors(row).length > 0) ? " (!) invalid: errors under load" : ""}`;
  console.log("");
  console.log(
    table(
      ["target", "measured", "result"],
      [
        [
          `${NAMES.get} req/s >= ${target * 100}% of B1`,
          `${pct(get.median)} (median of ${get.ratios.length} rounds, ${pct(get.min)}-${pct(get.max)}; ratio of medians ${pct(getRow.rps / b1)}: ${getRow.rps.toFixed(0)} / ${b1.toFixed(0)})`,
          `${verdict(get.median >= target, getRow, b1Row)}${straddles ? " (rounds straddle the target)" : ""}`,
        ],
        [
          `uploads x${UPLOAD_FILES} p99 < ${TARGETS.uploadP99Ms} ms at c=16`,
          `${fmtMs(uploadRow.p99Ms)} ms (median of ${uploadRow.runs.length} rounds, ${uploadP99s}; p50 ${fmtMs(uploadRow.p50Ms)} ms, ${uploadRow.rps.toFixed(0)} req/s)`,
          verdict(uploadRow.p99Ms < TARGETS.uploadP99Ms, uploadRow),
        ],
      ],
      ["l", "r", "l"],
    ),
  );

  console.log("");
  console.log(
    `memory (VmHWM): hangout ${context.rssMb.hangout.toFixed(1)} MB, file ${context.rssMb.file.toFixed(1)} MB, auth ${context.rssMb.auth.toFixed(1)} MB`,
  );
  console.log(
    context.spans
      ? `telemetry: the OTLP sink received ${context.spans.requests} exports (${(context.spans.bytes / 1024 / 1024).toFixed(1)} MB) from the three services`
      : "telemetry: could not read the OTLP sink's counters",
  );
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
  for (const name of ["hangout", "file", "auth"] as const) {
    const { lines, levels, firstProblem } = context.logs[name];
    const levelCounts = Object.entries(levels)
      .map(([level, count]) => `${count} ${level}`)
      .join(", ");
    console.log(`${name} log: ${lines} lines (${levelCounts || "none"})`);
    if (firstProblem) {
      const startup = firstProblem.includes("| /readyz |")
        ? " (a 5xx answer to the readiness poll while the service was starting)"
        : "";
      console.log(`  first warn/error: ${firstProblem.slice(0, 300)}${startup}`);
    }
    if (context.exits[name] !== 0) {
      console.log(`note: ${name} exited with ${context.exits[name]} on SIGTERM (expected 0)`);
    }
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
  try {
    await runHangoutBench();
    process.exit(0);
  } catch (error) {
    console.error(
      `\nbench failed: ${error instanceof Error ? (error.stack ?? error.message) : error}`,
    );
    process.exit(1);
  }
}
