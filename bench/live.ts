import { readFileSync } from "node:fs";
import { DEFAULT_BACKOFF_MS } from "@hangout/platform/inbox/consumer";
import { deadQueueOf, retryQueueOf } from "@hangout/platform/inbox/topology";
import { loadAuthConfig } from "../services/auth/src/config.ts";
import { createPasswordHasher } from "../services/auth/src/services/passwords.ts";
import { loadHangoutConfig } from "../services/hangout/src/config.ts";
import {
  ascending,
  json,
  median,
  positiveInteger,
  positiveIntegers,
  positiveNumber,
  procCpuSeconds,
  procStatusKb,
  quantile,
  runAlone,
  stopChild,
  summarizeLog,
} from "./common.ts";
import { deleteBrokerObjects } from "./events-publish.ts";
import { accessTokens, addMembers, createAccounts, sampleLogins } from "./live-accounts.ts";
import { openStreams, type StreamSet } from "./live-clients.ts";
import { type EventResult, type Phase, report } from "./live-report.ts";
import { sinkStats } from "./report.ts";
import { runScoped } from "./scope.ts";
import { PASSWORD, runningEnv, signUpAndLogIn, startAuth, startOnFreePort } from "./services.ts";

// The live section: N idle Server-Sent Events streams of one hangout on one hangout replica (its
// production bundle, with auth, step-ca and the broker), the replica's RSS per open stream, and
// the time from one change's answer until every client has the event.

export const STREAMS = positiveIntegers("BENCH_LIVE_STREAMS", [1000, 5000]);
export const EVENTS = positiveInteger("BENCH_LIVE_EVENTS", 5);
/**
 * How long the replica rests before its RSS is read, with the streams open and before they open:
 * the garbage of thousands of requests takes the collector several seconds to give back.
 */
export const IDLE_S = positiveNumber("BENCH_LIVE_IDLE_SECONDS", 15);
/** Opened, sent one event and closed before anything is measured: JIT, pools, first reads. */
const WARMUP_STREAMS = 200;
/** Streams opening at once; more would only queue in the listen backlog. */
const OPEN_IN_FLIGHT = 64;
/** An event not in every client by then is lost. */
const EVENT_TIMEOUT_MS = 10_000;
const LOGIN_SAMPLE = 16;
/** The replica's heartbeat interval as the image runs it (compose leaves hangout's default). */
const HEARTBEAT_S = loadHangoutConfig({ DEPLOY_ENV: "development" }).LIVE_HEARTBEAT_SECONDS;

export async function runLiveBench() {
  const largest = Math.max(...STREAMS);
  const fileLimit = openFileLimit();
  if (fileLimit < largest + 500) {
    throw new Error(
      `${largest} streams need more open files than the hard limit here (${fileLimit}); raise it (ulimit -Hn) or set BENCH_LIVE_STREAMS`,
    );
  }
  await runScoped("live", async (scope) => {
    const { logDir } = scope;
    console.log(
      `bench live: ${STREAMS.join(" and ")} idle streams of one hangout on one replica, RSS read after ${IDLE_S}s ` +
        `at rest, then ${EVENTS} changes one after the other; logs in ${logDir}`,
    );
    const authDb = await scope.database("auth");
    const hangoutDb = await scope.database("hangout");
    const ca = await scope.ca();
    const { url: otlpUrl } = await scope.otlpSink();
    // The run's own exchange and queue, never a developer's; removed at the end.
    const exchange = `bench.live.${Date.now().toString(36)}`;
    const queue = `${exchange}.hangout`;
    const broker = { ...runningEnv(otlpUrl), EVENTS_EXCHANGE: exchange };
    const auth = await startAuth(logDir, authDb.url, { ...broker, ...ca.envFor("auth") });
    const hangout = await startOnFreePort("hangout", logDir, "HANGOUT_PORT", () => ({
      ...broker,
      ...ca.envFor("hangout"),
      HANGOUT_DATABASE_URL: hangoutDb.url,
      HANGOUT_EVENTS_QUEUE: queue,
      AUTH_JWKS_URL: `${auth.url}/.well-known/jwks.json`,
      AUTH_GRPC_TARGET: `localhost:${auth.grpcPort}`,
      // Nothing here uploads memories or needs history pruned: no sweeper pass during the run.
      HANGOUT_SWEEP_INTERVAL_SECONDS: "3600",
    }));
    let streams: StreamSet | undefined;
    scope.beforeChildrenStop(async () => {
      await streams?.close(2000);
      for (const service of [hangout, auth]) await stopChild(service.child);
      await deleteBrokerObjects(exchange, [
        queue,
        deadQueueOf(queue),
        ...DEFAULT_BACKOFF_MS.map((delay) => retryQueueOf(queue, delay)),
      ]);
    });
    const pid = hangout.child.proc.pid;
    const base = new URL(hangout.url);

    // Every client is a member with an access token from auth. Logging thousands in would cost
    // as many argon2id verifies, so a sample of real logins is timed and every client gets its
    // token from POST /auth/refresh with a refresh token stored as a login stores one.
    const owner = await signUpAndLogIn(auth.url);
    const accounts = await createAccounts(authDb.url, largest, await passwordHash());
    const logins = await sampleLogins(auth.url, accounts, PASSWORD, LOGIN_SAMPLE, 4);
    const { tokens, seconds: tokenSeconds } = await accessTokens(auth.url, accounts, 8);
    const hangoutIds = new Map<number, string>();
    for (const n of STREAMS) {
      const id = await createHangout(hangout.url, owner.accessToken, n);
      await addMembers(
        hangoutDb.url,
        id,
        accounts.slice(0, n).map((a) => a.userId),
      );
      hangoutIds.set(n, id);
    }
    console.log(
      `  hangout pid ${pid}: ${hangout.describe}\n` +
        `  ${largest} accounts; ${logins.count} real logins at ${logins.inFlight} at once ran at ${logins.perSecond.toFixed(1)}/s ` +
        `(${largest} would take ${(largest / logins.perSecond).toFixed(0)} s); ${largest} access tokens by refresh in ${tokenSeconds.toFixed(1)} s`,
    );

    let round = 0;
    const change = async (hangoutId: string, set: StreamSet): Promise<EventResult> => {
      const title = `Live bench ${++round}`;
      const { all } = set.watch(`"title":"${title}"`, EVENT_TIMEOUT_MS);
      const cpuBefore = procCpuSeconds(pid) ?? 0;
      const benchCpuBefore = process.cpuUsage();
      const sent = performance.now();
      const response = await fetch(`${hangout.url}/hangouts/${hangoutId}`, {
        method: "PATCH",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${owner.accessToken}`,
        },
        body: JSON.stringify({ title }),
      });
      const answered = performance.now();
      await json(response, 200, "PATCH /hangouts/{id}");
      await all;
      const benchCpu = process.cpuUsage(benchCpuBefore);
      const latencies = ascending(
        set.clients.map((c) =>
          c.receivedAt === undefined ? Number.POSITIVE_INFINITY : c.receivedAt - answered,
        ),
      );
      return {
        latencies,
        patchMs: answered - sent,
        hangoutCpuMs: ((procCpuSeconds(pid) ?? cpuBefore) - cpuBefore) * 1000,
        benchCpuMs: (benchCpu.user + benchCpu.system) / 1000,
      };
    };
    /** `count` streams of the hangout that has `members` members. */
    const open = async (members: number, count = members) => {
      streams = await openStreams({
        hostname: base.hostname,
        port: Number(base.port),
        path: `/hangouts/${hangoutIds.get(members)}/events`,
        tokens: tokens.slice(0, count),
        inFlight: OPEN_IN_FLIGHT,
      });
      return streams;
    };
    const close = async () => {
      await streams?.close();
      streams = undefined;
      await waitForOpenStreams(hangout.url, 0);
    };

    const warm = await open(STREAMS[0]!, Math.min(WARMUP_STREAMS, STREAMS[0]!));
    await change(hangoutIds.get(STREAMS[0]!)!, warm);
    await close();

    const phases: Phase[] = [];
    for (const n of STREAMS) {
      await Bun.sleep(IDLE_S * 1000);
      const rssBeforeKb = await idleRssKb(pid);
      const set = await open(n);
      await Bun.sleep(IDLE_S * 1000);
      const rssAfterKb = await idleRssKb(pid);
      const serverOpen = await openStreamsGauge(hangout.url);
      const idle = {
        closed: set.clients.filter((c) => c.closed).length,
        // A rest shorter than the heartbeat interval need not see one.
        noHeartbeat:
          IDLE_S > HEARTBEAT_S ? set.clients.filter((c) => c.heartbeats === 0).length : 0,
      };
      const events: EventResult[] = [];
      for (let k = 0; k < EVENTS; k++) {
        events.push(await change(hangoutIds.get(n)!, set));
        await Bun.sleep(500);
      }
      await close();
      const phase = {
        streams: n,
        openSeconds: set.openSeconds,
        rssBeforeKb,
        rssAfterKb,
        serverOpen,
        idle,
        events,
      };
      phases.push(phase);
      const p99s = events.map((e) => quantile(e.latencies, 0.99));
      console.log(
        `  ${n} streams: open in ${set.openSeconds.toFixed(1)} s, ${((rssAfterKb - rssBeforeKb) / n).toFixed(1)} KB RSS each, ` +
          `p99 per event ${p99s.map((v) => v.toFixed(0)).join(" / ")} ms`,
      );
    }

    const spans = await sinkStats(otlpUrl);
    const exits = [await stopChild(hangout.child), await stopChild(auth.child)];
    report(phases, {
      spans,
      logs: [
        ["hangout", await summarizeLog(hangout.child.logs), exits[0]!],
        ["auth", await summarizeLog(auth.child.logs), exits[1]!],
      ],
    });
  });
}

/** The hash auth's own hasher gives PASSWORD at its default cost: real logins verify it. */
async function passwordHash() {
  const config = loadAuthConfig({ ...process.env, DEPLOY_ENV: "development" });
  return createPasswordHasher(config).hash(PASSWORD);
}

async function createHangout(hangoutUrl: string, accessToken: string, members: number) {
  const created = await json<{ id: string }>(
    await fetch(`${hangoutUrl}/hangouts`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${accessToken}` },
      body: JSON.stringify({
        title: `Live bench, ${members} members`,
        location: { name: "Bench Park" },
        startsAt: "2031-01-01T18:00:00Z",
      }),
    }),
    201,
    "POST /hangouts",
  );
  return created.id;
}

/** The replica's VmRSS at rest: the median of five reads over a second. */
async function idleRssKb(pid: number) {
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    samples.push(procStatusKb(pid, "VmRSS") ?? 0);
    await Bun.sleep(200);
  }
  return median(samples);
}

/** The replica's own count of open streams (its `live_streams_open` gauge). */
async function openStreamsGauge(hangoutUrl: string) {
  const text = await (await fetch(`${hangoutUrl}/metrics`)).text();
  return Number(/^live_streams_open(?:\{[^}]*\})? (\d+)/m.exec(text)?.[1] ?? Number.NaN);
}

async function waitForOpenStreams(hangoutUrl: string, expected: number) {
  const deadline = Date.now() + 15_000;
  let open = await openStreamsGauge(hangoutUrl);
  while (open !== expected) {
    if (Date.now() > deadline) {
      throw new Error(`the replica still counts ${open} open streams, expected ${expected}`);
    }
    await Bun.sleep(100);
    open = await openStreamsGauge(hangoutUrl);
  }
}

/** The hard limit on open files: Bun raises its own soft limit to it at startup. */
function openFileLimit() {
  const limits = readFileSync("/proc/self/limits", "utf8");
  const hard = /^Max open files\s+\S+\s+(\S+)/m.exec(limits)?.[1];
  return hard === undefined || hard === "unlimited" ? Number.POSITIVE_INFINITY : Number(hard);
}

if (import.meta.main) await runAlone(runLiveBench);
