import { join } from "node:path";
import { loadAuthConfig } from "../services/auth/src/config.ts";
import { createPasswordHasher } from "../services/auth/src/services/passwords.ts";
import { measureB0, startB1 } from "./baselines.ts";
import {
  fmtMs,
  json,
  type LogSummary,
  pct,
  peakRssMb,
  ROUNDS,
  runAlone,
  sampleRss,
  stopChild,
  summarizeLog,
  table,
  WARMUP_S,
} from "./common.ts";
import { runEventsBench } from "./events.ts";
import { runGrpcBench } from "./grpc.ts";
import { runHangoutBench } from "./hangout.ts";
import { runLiveBench } from "./live.ts";
import { runMediaBench } from "./media.ts";
import { runPresignBench } from "./presign.ts";
import {
  printServiceLog,
  printTelemetry,
  printWrkProblems,
  ratiosTo,
  ratioTarget,
  roundsTable,
  rowsTable,
  type SinkStats,
  sinkStats,
  targetsTable,
  verdict,
} from "./report.ts";
import { parseArgs, recordRows, writeResults } from "./results.ts";
import { runScoped } from "./scope.ts";
import { PASSWORD, runningEnv, signUpAndLogIn, startAuth } from "./services.ts";
import {
  DURATION_S,
  ensureWrk,
  measure,
  measureInterleaved,
  ROUND_S,
  type Row,
  rowErrors,
  stopWrk,
} from "./wrk.ts";

// The http section: the auth service's bundle beside the B0 and B1 baselines of the same run.

const BENCH = new URL("./", import.meta.url).pathname;

const TARGETS = {
  meRatioToB1: 0.8,
  loginP99Ms: 150,
  /** auth's peak RSS over B1's, both read the same way in the same run. */
  authPeakRssToB1: 1.3,
};

/** One verify with auth's own hasher and cost (its config's defaults), on an idle box, in ms. */
async function argon2VerifyMs() {
  const config = loadAuthConfig({ ...process.env, DEPLOY_ENV: "development" });
  const passwords = createPasswordHasher(config);
  const hash = await passwords.hash(PASSWORD);
  await passwords.verify(PASSWORD, hash);
  const started = performance.now();
  for (let i = 0; i < 5; i++) await passwords.verify(PASSWORD, hash);
  return { ms: (performance.now() - started) / 5, config };
}

async function runHttpBench() {
  await ensureWrk();
  await runScoped("http", async (scope) => {
    scope.beforeChildrenStop(stopWrk);
    const { logDir } = scope;
    console.log(
      `bench http: wrk -t1; B0 and login ${DURATION_S}s after a ${WARMUP_S}s warm-up; B1, B2 and /auth/me ` +
        `interleaved, ${ROUNDS} rounds of ${ROUND_S}s each after a ${WARMUP_S}s warm-up; logs in ${logDir}`,
    );
    const database = await scope.database("auth");
    const { child: otlp, url: otlpUrl } = await scope.otlpSink();
    const auth = await startAuth(logDir, database.url, runningEnv(otlpUrl));
    const { userId, accessToken, loginBody } = await signUpAndLogIn(auth.url);
    await json(
      await fetch(`${auth.url}/auth/me`, { headers: { authorization: `Bearer ${accessToken}` } }),
      200,
      "GET /auth/me",
    );
    const authPid = auth.child.proc.pid;
    console.log(
      `auth ready (pid ${authPid}: ${auth.describe}); user ${userId} signed up and logged in`,
    );

    const argon2 = await argon2VerifyMs();
    const rows: Row[] = [];

    // B0 runs alone while auth sits idle, and is stopped before anything else is loaded.
    rows.push(await measureB0(logDir));

    // B1 and /auth/me: both servers up, loaded in turn (the other one idle), round after round,
    // so that each /auth/me slice is compared with a B1 slice measured seconds before it. Both
    // processes' memory is sampled the same way throughout.
    const { child: b1, url: b1Url } = await startB1(logDir, database.url, userId);
    const { child: b2, url: b2Url } = await startB1(logDir, database.url, userId, "b2");
    const b1Sampler = sampleRss(b1.proc.pid);
    const meSampler = sampleRss(authPid);
    rows.push(
      ...(await measureInterleaved([
        { name: "B1", load: { url: b1Url, connections: 32, pid: b1.proc.pid } },
        { name: "B2", load: { url: b2Url, connections: 32, pid: b2.proc.pid } },
        {
          name: "GET /auth/me",
          load: {
            url: `${auth.url}/auth/me`,
            connections: 32,
            pid: authPid,
            headers: [`Authorization: Bearer ${accessToken}`],
          },
        },
      ])),
    );
    const meRssKb = meSampler.stop();
    const b1RssKb = b1Sampler.stop();
    const b1Memory = { peakMb: peakRssMb(b1.proc.pid, [b1RssKb]), roundsMb: b1RssKb / 1024 };
    await stopChild(b1);
    await stopChild(b2);

    const loginSampler = sampleRss(authPid);
    rows.push(
      await measure("POST /auth/login (c=4)", {
        url: `${auth.url}/auth/login`,
        connections: 4,
        pid: authPid,
        script: join(BENCH, "login.lua"),
        env: { BENCH_LOGIN_BODY: loginBody },
      }),
    );
    const loginRssKb = loginSampler.stop();
    const authMemory = {
      peakMb: peakRssMb(authPid, [meRssKb, loginRssKb]),
      roundsMb: meRssKb / 1024,
      loginMb: loginRssKb / 1024,
    };

    const spans = await sinkStats(otlpUrl);
    const authExit = await stopChild(auth.child);
    await stopChild(otlp);

    recordRows("http", rows);
    report(rows, {
      auth: authMemory,
      b1: b1Memory,
      spans,
      authExit,
      authLog: await summarizeLog(auth.child.logs),
      argon2,
    });
  });
}

function report(
  rows: Row[],
  context: {
    auth: { peakMb: number; roundsMb: number; loginMb: number };
    b1: { peakMb: number; roundsMb: number };
    spans: SinkStats | undefined;
    authExit: number | null;
    authLog: LogSummary;
    argon2: Awaited<ReturnType<typeof argon2VerifyMs>>;
  },
) {
  const byName = (name: string) => rows.find((r) => r.name.startsWith(name))!;
  const b1Row = byName("B1");
  const meRow = byName("GET /auth/me");
  const loginRow = byName("POST /auth/login");
  const me = ratiosTo(b1Row, meRow);
  const invalid = (...from: Row[]) => from.some((row) => rowErrors(row).length > 0);

  console.log("");
  console.log(rowsTable(rows, b1Row, new Map([[meRow, me]])));
  console.log(
    `(B1 and /auth/me: medians across ${me.ratios.length} interleaved rounds of ${ROUND_S}s each; ratio to ` +
      "B1 = ratio of the medians; per-round ratio = /auth/me over B1 within one round, the median " +
      "of the rounds and their min-max; the target uses the per-round median)",
  );
  console.log("");
  console.log(roundsTable(b1Row, [{ label: "/auth/me", row: meRow, r: me }]));

  const { auth, b1 } = context;
  const rssRatio = auth.peakMb / b1.peakMb;
  console.log("");
  console.log(
    targetsTable([
      ratioTarget(
        `/auth/me req/s >= ${TARGETS.meRatioToB1 * 100}% of B1`,
        me,
        TARGETS.meRatioToB1,
        `${pct(meRow.rps / b1Row.rps)}: ${meRow.rps.toFixed(0)} / ${b1Row.rps.toFixed(0)}`,
        invalid(meRow, b1Row),
      ),
      [
        `login p99 < ${TARGETS.loginP99Ms} ms`,
        `${fmtMs(loginRow.p99Ms)} ms`,
        verdict(loginRow.p99Ms < TARGETS.loginP99Ms, invalid(loginRow)),
      ],
      [
        `auth peak RSS <= ${TARGETS.authPeakRssToB1}x B1's peak RSS`,
        `${auth.peakMb.toFixed(1)} MB / ${b1.peakMb.toFixed(1)} MB = ${rssRatio.toFixed(2)}x`,
        verdict(rssRatio <= TARGETS.authPeakRssToB1, invalid(meRow, loginRow, b1Row)),
      ],
    ]),
  );

  console.log("");
  const mb = (value: number | undefined) => (value === undefined ? "-" : value.toFixed(1));
  console.log(
    table(
      [
        "peak RSS (MB)",
        "peak (VmHWM)",
        "sampled: B1 + /auth/me rounds",
        "sampled: login",
        "ratio to B1",
      ],
      [
        ["auth", mb(auth.peakMb), mb(auth.roundsMb), mb(auth.loginMb), rssRatio.toFixed(2)],
        ["B1", mb(b1.peakMb), mb(b1.roundsMb), "-", "1.00"],
      ],
      ["l", "r", "r", "r", "r"],
    ),
  );
  console.log(
    "(peak = VmHWM, each process's high-water mark over its whole life, read before it stops; " +
      "sampled = the highest VmRSS read every 200 ms during that load; B1 is stopped before login)",
  );
  printTelemetry(context.spans);
  const { ms, config } = context.argon2;
  console.log(
    `argon2id through auth's own hasher (@node-rs/argon2; ${(config.AUTH_PASSWORD_MEMORY_KIB / 1024).toFixed(0)} MiB, ` +
      `t=${config.AUTH_PASSWORD_TIME_COST}, p=1): one verify takes ${ms.toFixed(0)} ms here when the box is idle; ` +
      `auth runs ${config.AUTH_PASSWORD_CONCURRENCY} at a time (AUTH_PASSWORD_CONCURRENCY), so 4 logins at once queue for up to ` +
      `${Math.ceil(4 / config.AUTH_PASSWORD_CONCURRENCY)} of them`,
  );
  printServiceLog("auth", context.authLog, context.authExit);
  printWrkProblems(rows);
}

if (import.meta.main) {
  // `bun run bench` runs the http (auth) section, then the grpc one (bench/grpc.ts), the hangout
  // one (bench/hangout.ts), the presign one (bench/presign.ts), the events one (bench/events.ts),
  // the live one (bench/live.ts) and the media one (bench/media.ts);
  // `bun run bench http|grpc|hangout|presign|events|live|media` runs only that one.
  const sections = {
    http: runHttpBench,
    grpc: runGrpcBench,
    hangout: runHangoutBench,
    presign: runPresignBench,
    events: runEventsBench,
    live: runLiveBench,
    media: runMediaBench,
  };
  const usage =
    "usage: bun bench/run.ts [http|grpc|hangout|presign|events|live|media] [--json FILE]";
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`${usage}  (${(error as Error).message})`);
    process.exit(2);
  }
  const only = args.section;
  if (only !== undefined && !Object.hasOwn(sections, only)) {
    console.error(`${usage}  (got "${only}")`);
    process.exit(2);
  }
  const run =
    only === undefined ? Object.values(sections) : [sections[only as keyof typeof sections]];
  await runAlone(async () => {
    for (const [i, section] of run.entries()) {
      if (i > 0) console.log("");
      await section();
    }
    if (args.json) await writeResults(args.json);
  });
}
