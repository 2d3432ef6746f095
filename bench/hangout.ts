import { join } from "node:path";
import { measureB0, startB1 } from "./baselines.ts";
import {
  type LogSummary,
  peakRssMb,
  procCpuSeconds,
  procStatusKb,
  ROUNDS,
  runAlone,
  stopChild,
  summarizeLog,
  WARMUP_S,
} from "./common.ts";
import {
  HANGOUTS,
  OTHER_USERS,
  PAGE,
  seedHangouts,
  seedOtherPlans,
  UPLOAD_FILES,
} from "./hangout-fixtures.ts";
import { report, SERVICES, type ServiceName } from "./hangout-report.ts";
import { sinkStats } from "./report.ts";
import { recordRows } from "./results.ts";
import { runScoped } from "./scope.ts";
import { runningEnv, signUpAndLogIn, startAuth, startFile, startOnFreePort } from "./services.ts";
import {
  DURATION_S,
  ensureWrk,
  measureInterleaved,
  measureRounds,
  ROUND_S,
  type Row,
  stopWrk,
} from "./wrk.ts";

// The hangout section: the real auth, file and hangout services (each its production bundle, own
// process, own throwaway database, mTLS between them through a real step-ca, a local S3 store),
// loaded with wrk through the hangout service's public HTTP API as an authenticated member,
// beside the B0 and B1 baselines of the same run.

const BENCH = new URL("./", import.meta.url).pathname;

const NAMES = {
  get: "GET /hangouts/{id}",
  list: `GET /hangouts?limit=${PAGE}`,
  upload: `POST .../memories/uploads x${UPLOAD_FILES} (c=16)`,
};

export async function runHangoutBench() {
  await ensureWrk();
  await runScoped("hangout", async (scope) => {
    scope.beforeChildrenStop(stopWrk);
    const { logDir } = scope;
    console.log(
      `bench hangout: wrk -t1; B0 ${DURATION_S}s after a ${WARMUP_S}s warm-up; uploads ${ROUNDS} rounds of ${ROUND_S}s after a ${WARMUP_S}s warm-up; B1, B2, ` +
        `${NAMES.get} and ${NAMES.list} interleaved, ${ROUNDS} rounds of ${ROUND_S}s each after ` +
        `a ${WARMUP_S}s warm-up; logs in ${logDir}`,
    );
    const authDb = await scope.database("auth");
    const fileDb = await scope.database("file");
    const hangoutDb = await scope.database("hangout");
    const s3 = await scope.s3();
    const ca = await scope.ca();
    console.log(`step-ca on ${ca.ca.url}, S3 store on ${s3.endpoint}`);

    const { child: otlp, url: otlpUrl } = await scope.otlpSink();
    const common = runningEnv(otlpUrl);
    const auth = await startAuth(logDir, authDb.url, { ...common, ...ca.envFor("auth") });
    const file = await startFile(logDir, fileDb.url, {
      ...common,
      ...ca.envFor("file"),
      ...s3.env,
    });
    const hangout = await startOnFreePort("hangout", logDir, "HANGOUT_PORT", () => ({
      ...common,
      ...ca.envFor("hangout"),
      HANGOUT_DATABASE_URL: hangoutDb.url,
      AUTH_JWKS_URL: `${auth.url}/.well-known/jwks.json`,
      AUTH_GRPC_TARGET: `localhost:${auth.grpcPort}`,
      FILE_GRPC_TARGET: `localhost:${file.grpcPort}`,
      // No sweeper pass during the run: no pending memory gets old enough to reconcile.
      HANGOUT_SWEEP_INTERVAL_SECONDS: "3600",
    }));
    const services = { auth, file, hangout };

    // A member: signed up and logged in through the real API; owner of every hangout.
    const { userId, accessToken } = await signUpAndLogIn(auth.url);
    const bearer = `Authorization: Bearer ${accessToken}`;
    await seedOtherPlans(hangoutDb.url);
    const { hangoutIds, uploadPaths, uploadBody } = await seedHangouts(hangout.url, accessToken);
    console.log(
      `services ready (${SERVICES.map((name) => `${name} pid ${services[name].child.proc.pid}`).join(", ")}); ` +
        `user ${userId} owns ${HANGOUTS} hangouts among ${OTHER_USERS * HANGOUTS} of ${OTHER_USERS} other people; a full page of ${PAGE} and ${UPLOAD_FILES} upload URLs checked\n` +
        [auth, file, hangout].map((s) => `  ${s.describe}`).join("\n"),
    );

    const rows: Row[] = [];

    // B0 runs alone while the services sit idle, and is stopped before anything else is loaded.
    rows.push(await measureB0(logDir));

    // B1 and the two reads: every server up, loaded in turn (the others idle), round after round.
    const { child: b1, url: b1Url } = await startB1(logDir, authDb.url, userId);
    const { child: b2, url: b2Url } = await startB1(logDir, authDb.url, userId, "b2");
    // What each holds before any load: the peak minus this is what the load added.
    const idleMb = (pid: number) => (procStatusKb(pid, "VmRSS") ?? Number.NaN) / 1024;
    const idle = {
      B1: idleMb(b1.proc.pid),
      ...Object.fromEntries(SERVICES.map((name) => [name, idleMb(services[name].child.proc.pid)])),
    } as Record<ServiceName | "B1", number>;
    rows.push(
      ...(await measureInterleaved([
        { name: "B1", load: { url: b1Url, connections: 32, pid: b1.proc.pid } },
        { name: "B2", load: { url: b2Url, connections: 32, pid: b2.proc.pid } },
        {
          name: NAMES.get,
          load: {
            url: `${hangout.url}/hangouts/${hangoutIds[0]}`,
            connections: 32,
            pid: hangout.child.proc.pid,
            headers: [bearer],
          },
        },
        {
          name: NAMES.list,
          load: {
            url: `${hangout.url}/hangouts?limit=${PAGE}`,
            connections: 32,
            pid: hangout.child.proc.pid,
            headers: [bearer],
          },
        },
      ])),
    );
    await stopChild(b1);
    await stopChild(b2);

    // Where the upload chain spends its CPU: each process's share of the 2 cores while it runs.
    const dbPid = Bun.spawnSync(["pgrep", "-o", "-x", "mariadbd|mysqld"]).stdout.toString().trim();
    const cpuOf: Record<string, number> = {
      ...Object.fromEntries(SERVICES.map((name) => [name, services[name].child.proc.pid])),
      ...(dbPid ? { database: Number(dbPid) } : {}),
      // The bench's stand-in for the collector, which in production runs on another host.
      "OTLP sink": otlp.proc.pid,
    };
    const cpuBefore = Object.entries(cpuOf).map(
      ([name, pid]) => [name, pid, procCpuSeconds(pid) ?? 0] as const,
    );
    const uploadStarted = performance.now();
    rows.push(
      await measureRounds(NAMES.upload, {
        url: hangout.url,
        connections: 16,
        pid: hangout.child.proc.pid,
        headers: [bearer],
        script: join(BENCH, "uploads.lua"),
        env: { BENCH_UPLOAD_BODY: uploadBody, BENCH_UPLOAD_PATHS: uploadPaths.join(",") },
      }),
    );
    const uploadSeconds = (performance.now() - uploadStarted) / 1000;
    const uploadCpu = cpuBefore.map(
      ([name, pid, before]) =>
        `${name} ${(((procCpuSeconds(pid) ?? before) - before) / uploadSeconds).toFixed(2)}`,
    );
    console.log(`  CPU during the uploads (cores of 2, warm-up included): ${uploadCpu.join(", ")}`);

    const rssMb = {} as Record<ServiceName, number>;
    for (const name of SERVICES) rssMb[name] = peakRssMb(services[name].child.proc.pid);
    const spans = await sinkStats(otlpUrl);

    const exits = {} as Record<ServiceName, number | null>;
    const logs = {} as Record<ServiceName, LogSummary>;
    for (const name of SERVICES) exits[name] = await stopChild(services[name].child);
    await stopChild(otlp);
    for (const name of SERVICES) logs[name] = await summarizeLog(services[name].child.logs);

    recordRows("hangout", rows);
    report(rows, NAMES, { rssMb, idleMb: idle, spans, exits, logs });
  });
}

if (import.meta.main) await runAlone(runHangoutBench);
