// Part 2 of the events section: auth, hangout and notification as the image runs them, a real
// step-ca, the broker and an SMTP sink in this process; invitations committed at a steady rate,
// each timed from its commit until the sink accepted its email.
import { createPool } from "@hangout/platform/db";
import { DEFAULT_BACKOFF_MS } from "@hangout/platform/inbox/consumer";
import { deadQueueOf, retryQueueOf } from "@hangout/platform/inbox/topology";
import { startMailSink } from "@hangout/platform/testing/mail-sink";
import type { RowDataPacket } from "../packages/platform/node_modules/mysql2/promise";
import {
  json,
  positiveIntegers,
  positiveNumber,
  procCpuSeconds,
  stopChild,
  WARMUP_S,
} from "./common.ts";
import { acceptanceLog, createInviter, type Invitee, type Phase, runPhase } from "./events-load.ts";
import { deleteBrokerObjects } from "./events-publish.ts";
import { fmtMs } from "./events-report.ts";
import { type SmtpFloor, smtpFloor } from "./events-smtp.ts";
import { type StageTimes, stageTimes } from "./events-stages.ts";
import type { BenchScope } from "./scope.ts";
import { signUpAndLogIn, startAuth, startOnFreePort } from "./services.ts";

/** Ascending: once a rate loses emails, the higher ones are not run. */
export const RATES = positiveIntegers("BENCH_EVENTS_RATES", [100, 500]).sort((a, b) => a - b);
export const PHASE_S = positiveNumber("BENCH_EVENTS_SECONDS", 10);
/**
 * Hangouts the invitations go to, in turn. An invite holds its hangout's row lock until its
 * commit is on disk, so few hangouts would make the commits queue behind each other at 500/s.
 */
const HANGOUTS = 100;
/** The longest an email may take after the last commit of its phase before it counts as lost. */
export const SETTLE_S = 60;

/** CPU seconds (user + system) each service process used during a phase, by service name. */
export type PhaseCpu = Record<"auth" | "hangout" | "notification", number>;

export interface MailResult {
  phases: (Phase & { stages: StageTimes; cpu: PhaseCpu })[];
  /** Rates not run because a lower one already lost emails. */
  skipped: number[];
  hangouts: number;
  describe: string[];
  smtp: SmtpFloor;
}

export async function measureMail(
  scope: BenchScope,
  common: Record<string, string>,
  exchange: string,
): Promise<MailResult> {
  const { logDir } = scope;
  const authDb = await scope.database("auth");
  const hangoutDb = await scope.database("hangout");
  const notificationDb = await scope.database("notification");
  const ca = await scope.ca();
  // In this process: its listener sees each message the moment it is accepted.
  const sink = await startMailSink({ keep: 100 });
  const queue = `${exchange}.notification`;
  // Every service's relay and consumer on this run's own exchange, never a developer's.
  const broker = { ...common, EVENTS_EXCHANGE: exchange };

  const auth = await startAuth(logDir, authDb.url, { ...broker, ...ca.envFor("auth") });
  const hangout = await startOnFreePort("hangout", logDir, "HANGOUT_PORT", () => ({
    ...broker,
    ...ca.envFor("hangout"),
    HANGOUT_DATABASE_URL: hangoutDb.url,
    AUTH_JWKS_URL: `${auth.url}/.well-known/jwks.json`,
    AUTH_GRPC_TARGET: `localhost:${auth.grpcPort}`,
    // Nothing here uploads memories: no file service, no sweeper pass during the run.
    HANGOUT_SWEEP_INTERVAL_SECONDS: "3600",
  }));
  const notification = await startOnFreePort(
    "notification",
    logDir,
    "NOTIFICATION_PORT",
    (url) => ({
      ...broker,
      ...ca.envFor("notification"),
      NOTIFICATION_DATABASE_URL: notificationDb.url,
      NOTIFICATION_QUEUE: queue,
      NOTIFICATION_PUBLIC_URL: url,
      AUTH_JWKS_URL: `${auth.url}/.well-known/jwks.json`,
      AUTH_GRPC_TARGET: `localhost:${auth.grpcPort}`,
      SMTP_URL: sink.smtpUrl,
      // No reminder is due for hangouts years ahead; no pass during the run.
      REMINDER_INTERVAL_SECONDS: "3600",
    }),
  );
  const services = { auth, hangout, notification };
  // The services stop (the consumer with them) before their queues and the sink go, so that
  // nothing declares the queues again.
  scope.beforeChildrenStop(async () => {
    for (const service of [notification, hangout, auth]) await stopChild(service.child);
    await sink.stop();
    await deleteBrokerObjects(exchange, [
      queue,
      deadQueueOf(queue),
      ...DEFAULT_BACKOFF_MS.map((delay) => retryQueueOf(queue, delay)),
    ]);
  });

  const { userId: ownerId, accessToken } = await signUpAndLogIn(auth.url);
  const hangoutIds = await createHangouts(hangout.url, accessToken);
  const warmup = Math.round(RATES[0]! * WARMUP_S);
  const counts = [warmup, ...RATES.map((rate) => Math.round(rate * PHASE_S))];
  const invitees = await createUsers(
    authDb.url,
    counts.reduce((a, b) => a + b, 0),
  );
  await waitForProjection(notificationDb.url, hangoutIds.length);
  console.log(
    `  services ready (${Object.entries(services)
      .map(([name, s]) => `${name} pid ${s.child.proc.pid}`)
      .join(", ")}); ${hangoutIds.length} hangouts known to notification; ` +
      `${invitees.length} users in auth; SMTP sink on ${sink.smtpUrl}`,
  );

  // Before the acceptance log starts: these emails are nobody's invitation.
  const smtp = await smtpFloor(sink.smtpUrl);
  const inviter = createInviter(hangoutDb.url, ownerId);
  const log = acceptanceLog(sink.onMessage);
  const phases: MailResult["phases"] = [];
  const skipped: number[] = [];
  try {
    let next = 0;
    const take = (count: number) => {
      next += count;
      return invitees.slice(next - count, next);
    };
    const phase = (rate: number, batch: Invitee[]) =>
      runPhase({
        rate,
        invitees: batch,
        hangoutIds,
        inviter,
        acceptedAt: log.acceptedAt,
        settleMs: SETTLE_S * 1000,
      });
    // Warm-up, thrown away: every service's connections open, JIT. Its rate is not
    // judged (connections open during it), but every invitation must commit and get its email.
    const warm = await phase(RATES[0]!, take(warmup));
    if (warm.committed < warmup || warm.accepted < warm.committed) {
      throw new Error(
        `warm-up: ${warm.committed} of ${warmup} committed, ${warm.accepted} emails (${warm.problem ?? "lost"})`,
      );
    }
    for (const rate of RATES) {
      const lost = phases.find((p) => p.accepted < p.committed);
      if (lost) {
        // A higher rate cannot do better, and its emails would queue behind the ones still due.
        skipped.push(rate);
        console.log(`  ${rate} events/s: not run, ${lost.rate} events/s already lost emails`);
        continue;
      }
      const cpuBefore = cpuOf(services);
      const result = await phase(rate, take(Math.round(rate * PHASE_S)));
      const cpu = cpuDelta(cpuBefore, cpuOf(services));
      const stages = await stageTimes(hangoutDb.url, notificationDb.url, result.commits);
      phases.push({ ...result, stages, cpu });
      console.log(
        `  ${rate} events/s: ${result.accepted}/${result.committed} emails, p50 ${fmtMs(result.p50Ms)} ms, p99 ${fmtMs(result.p99Ms)} ms`,
      );
    }
  } finally {
    log.stop();
    await inviter.close();
  }
  return {
    phases,
    skipped,
    hangouts: hangoutIds.length,
    describe: [auth, hangout, notification].map((s) => s.describe),
    smtp,
  };
}

type Started = { child: { proc: { pid: number } } };

/** Each service's CPU seconds so far (NaN once it is gone): read around a phase. */
const cpuOf = (services: Record<keyof PhaseCpu, Started>): PhaseCpu => ({
  auth: procCpuSeconds(services.auth.child.proc.pid) ?? Number.NaN,
  hangout: procCpuSeconds(services.hangout.child.proc.pid) ?? Number.NaN,
  notification: procCpuSeconds(services.notification.child.proc.pid) ?? Number.NaN,
});

const cpuDelta = (before: PhaseCpu, after: PhaseCpu): PhaseCpu => ({
  auth: after.auth - before.auth,
  hangout: after.hangout - before.hangout,
  notification: after.notification - before.notification,
});

/** HANGOUTS hangouts of the owner, through hangout's API: their `hangout.created` feed notification. */
async function createHangouts(hangoutUrl: string, accessToken: string) {
  const ids: string[] = [];
  for (let i = 0; i < HANGOUTS; i++) {
    const created = await json<{ id: string }>(
      await fetch(`${hangoutUrl}/hangouts`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${accessToken}` },
        body: JSON.stringify({
          title: `Bench hangout ${i + 1}`,
          location: { name: "Bench Park" },
          startsAt: new Date(Date.UTC(2031, 0, 1 + i, 18)).toISOString().replace(".000Z", "Z"),
        }),
      }),
      201,
      `POST /hangouts (${i + 1})`,
    );
    ids.push(created.id);
  }
  return ids;
}

/**
 * `count` accounts written straight into auth's database: notification looks each invitee up
 * there (UserDirectory), and signing up thousands through the API would hash as many passwords.
 * Nobody logs in as them.
 */
async function createUsers(authDatabaseUrl: string, count: number): Promise<Invitee[]> {
  const pool = createPool(authDatabaseUrl);
  const run = Date.now().toString(36);
  const invitees = Array.from({ length: count }, (_, i) => ({
    userId: Bun.randomUUIDv7(),
    email: `invitee-${run}-${i}@example.com`,
  }));
  try {
    const now = new Date();
    for (let i = 0; i < count; i += 1000) {
      const rows = invitees
        .slice(i, i + 1000)
        .map((u, j) => [u.userId, u.email, `Invitee ${i + j}`, "not-a-password-hash", now, now]);
      await pool.query(
        "INSERT INTO users (id, email, name, password_hash, created_at, updated_at) VALUES ?",
        [rows],
      );
    }
  } finally {
    await pool.end();
  }
  return invitees;
}

/** Until notification's projection holds the hangouts, so every invitation has its hangout. */
async function waitForProjection(notificationDatabaseUrl: string, count: number) {
  const pool = createPool(notificationDatabaseUrl);
  const deadline = Date.now() + 30_000;
  try {
    for (;;) {
      const [[row]] = await pool.query<RowDataPacket[]>("SELECT COUNT(*) AS n FROM hangouts");
      if (Number(row?.n) >= count) return;
      if (Date.now() > deadline) {
        throw new Error(`notification knows ${row?.n} of ${count} hangouts after 30 s`);
      }
      await Bun.sleep(100);
    }
  } finally {
    await pool.end();
  }
}
