import {
  children,
  type LogSummary,
  ROUNDS,
  runAlone,
  stopChild,
  summarizeLog,
  WARMUP_S,
} from "./common.ts";
import { type MailResult, measureMail, PHASE_S, RATES } from "./events-mail.ts";
import { BARE_WINDOW, measureRelay, RELAY_EVENTS, type RelayResult } from "./events-relay.ts";
import {
  mailTable,
  printEventProblems,
  relayTables,
  TARGETS,
  targetRows,
} from "./events-report.ts";
import { stagesTable } from "./events-stages.ts";
import { printServiceLog, printTelemetry, sinkStats } from "./report.ts";
import { runScoped } from "./scope.ts";
import { runningEnv } from "./services.ts";

// The events section: (1) the outbox relay's publish rate against a bare publisher with confirms,
// same client library and broker, in interleaved rounds; (2) commit -> email accepted by the SMTP
// sink at steady rates, through hangout's relay, the broker and the notification service, each
// its production bundle.

const PARTS = ["relay", "mail"] as const;
type Part = (typeof PARTS)[number];

/** BENCH_EVENTS_ONLY=relay|mail runs one part (while working on it); both by default. */
function parts(): Part[] {
  const only = process.env.BENCH_EVENTS_ONLY;
  if (!only) return [...PARTS];
  if (!PARTS.includes(only as Part)) {
    throw new Error(`BENCH_EVENTS_ONLY must be one of ${PARTS.join(", ")} (got "${only}")`);
  }
  return [only as Part];
}

export async function runEventsBench() {
  const run = parts();
  await runScoped("events", async (scope) => {
    console.log(
      `bench events: ${run.includes("relay") ? `relay against a bare publisher, ${RELAY_EVENTS} events per drain, ${ROUNDS} interleaved rounds; ` : ""}` +
        `${run.includes("mail") ? `commit -> email at ${RATES.join(" and ")} events/s for ${PHASE_S}s each after a ${WARMUP_S}s warm-up; ` : ""}` +
        `logs in ${scope.logDir}`,
    );
    // Exchanges of the run's own for everything it publishes, removed at the end.
    const exchange = `bench.events.${Date.now().toString(36)}`;
    const { child: otlp, url: otlpUrl } = await scope.otlpSink();
    const common = runningEnv(otlpUrl);

    let relay: RelayResult | undefined;
    let mail: MailResult | undefined;
    const logs: [string, LogSummary, number | null][] = [];
    if (run.includes("relay")) {
      console.log("relay: drains of a full outbox (hangout's database) by each publisher in turn");
      relay = await measureRelay(scope, otlpUrl, `${exchange}.relay`);
      logs.push(["relay (in the bench process)", await summarizeLog(relay.log), 0]);
    }
    if (run.includes("mail")) {
      console.log("commit -> email: auth, hangout and notification bundles, step-ca, SMTP sink");
      mail = await measureMail(scope, common, exchange);
    }
    const spans = await sinkStats(otlpUrl);
    if (mail) {
      // Stopped before their logs are read, so the lines of the shutdown are in them.
      for (const child of children.filter((c) => c !== otlp)) {
        const exit = await stopChild(child);
        logs.push([child.name, await summarizeLog(child.logs), exit]);
      }
    }
    report(relay, mail, logs, spans);
  });
}

function report(
  relay: RelayResult | undefined,
  mail: MailResult | undefined,
  logs: [string, LogSummary, number | null][],
  spans: Awaited<ReturnType<typeof sinkStats>>,
) {
  if (relay) {
    const { summary, rounds } = relayTables(relay);
    console.log("");
    console.log(summary);
    console.log(
      `(${relay.events} events over ${relay.hangouts} hangouts per drain, to a durable queue; events/s and drain s are ` +
        `medians of ${relay.rounds.length} rounds; ratio to window = ratio of the medians; per-round ratio = each ` +
        `publisher over the window publisher in the same round: median (min-max); the target uses its median)`,
    );
    console.log("");
    console.log(rounds);
  }
  if (mail) {
    console.log("");
    console.log(mailTable(mail));
    console.log(
      `(one member.invited.v1 committed into hangout's outbox per email, over ${mail.hangouts} hangouts, each to ` +
        `its own invitee; latency = from the answer to COMMIT until the sink accepted the email, all of a phase's ` +
        "emails; commits/s from the first commit to the last)",
    );
    for (const rate of mail.skipped) {
      console.log(`  ${rate} events/s: not run, since a lower rate already lost emails`);
    }
    for (const line of mail.describe) console.log(`  ${line}`);
    const { newConnectionMs, pooledMs } = mail.smtp;
    console.log(
      `  one email to the SMTP sink with notification's nodemailer: ${newConnectionMs.toFixed(1)} ms on a new ` +
        `connection, ${pooledMs.toFixed(1)} ms on a pooled one: a connection per email sends at most ` +
        `${(1000 / newConnectionMs).toFixed(0)} emails/s for each email in flight`,
    );
    console.log("");
    console.log(stagesTable(mail.phases));
    console.log(
      "(each stage as the services' own timestamps record it, from the wall-clock time of the commit)",
    );
  }
  console.log("");
  console.log(targetRows(relay, mail));
  if (!mail) {
    console.log(
      `(commit -> email p99 < ${TARGETS.p99Ms} ms at ${TARGETS.p99AtRate} events/s: not measured in this run)`,
    );
  }
  if (relay) {
    console.log(
      `(the bare publisher judged is the windowed one: at most ${BARE_WINDOW} unconfirmed, the next sent as ` +
        "each confirm arrives; the batched one is shown for how much of the gap is batching)",
    );
  }
  printTelemetry(spans);
  for (const [name, log, exit] of logs) printServiceLog(name, log, exit);
  printEventProblems(relay, mail);
}

if (import.meta.main) await runAlone(runEventsBench);
