import { fmtMs as fmtFinite, median, pct, table } from "./common.ts";
import { type MailResult, SETTLE_S } from "./events-mail.ts";
import { BARE_WINDOW, PUBLISHERS, type Publisher, type RelayResult } from "./events-relay.ts";
import {
  fmtRatio,
  printProblems,
  ratioTarget,
  roundRatios,
  targetsTable,
  verdict,
} from "./report.ts";

// The events section's tables: the relay against the bare publishers, commit-to-email latency at
// each rate, and the two targets.

/** An email that never arrived makes its quantile Infinity. */
export const fmtMs = (ms: number) => (ms === Number.POSITIVE_INFINITY ? "lost" : fmtFinite(ms));

export const TARGETS = {
  /** The relay's publish rate over the bare publisher's (sliding window), per round. */
  relayToBare: 0.5,
  /** commit → email accepted, p99, at this rate. */
  p99Ms: 1000,
  p99AtRate: 100,
};

const LABELS: Record<Publisher, string> = {
  relay: `outbox relay (hangout's settings: batches of ${BARE_WINDOW})`,
  "bare-window": `bare ConfirmChannel, window of ${BARE_WINDOW} unconfirmed`,
  "bare-batch": `bare ConfirmChannel, ${BARE_WINDOW} then waitForConfirms`,
};

export function relayRatios(result: RelayResult) {
  return roundRatios(
    result.rounds.map((r) => r.relay.eventsPerSecond / r["bare-window"].eventsPerSecond),
  );
}

export function relayTables(result: RelayResult) {
  const rates = (p: Publisher) => result.rounds.map((r) => r[p].eventsPerSecond);
  const bare = median(rates("bare-window"));
  const rows = PUBLISHERS.map((p) => {
    const values = rates(p);
    const perRound = roundRatios(
      result.rounds.map((r) => r[p].eventsPerSecond / r["bare-window"].eventsPerSecond),
    );
    return [
      `${LABELS[p]}${result.rounds.some((r) => r[p].problem) ? " (!)" : ""}`,
      median(values).toFixed(0),
      `${Math.min(...values).toFixed(0)}-${Math.max(...values).toFixed(0)}`,
      median(result.rounds.map((r) => r[p].seconds)).toFixed(2),
      fmtRatio(median(values) / bare),
      `${fmtRatio(perRound.median)} (${fmtRatio(perRound.min)}-${fmtRatio(perRound.max)})`,
    ];
  });
  const summary = table(
    ["publisher", "events/s", "rounds min-max", "drain s", "ratio to window", "per-round ratio"],
    rows,
    ["l", "r", "r", "r", "r", "r"],
  );
  const rounds = table(
    ["round", ...PUBLISHERS.map((p) => `${p} /s`), "relay / bare-window"],
    result.rounds.map((r, i) => [
      String(i + 1),
      ...PUBLISHERS.map((p) => `${r[p].eventsPerSecond.toFixed(0)}${r[p].problem ? " (!)" : ""}`),
      fmtRatio(r.relay.eventsPerSecond / r["bare-window"].eventsPerSecond),
    ]),
    ["r", "r", "r", "r", "r"],
  );
  return { summary, rounds };
}

/**
 * Each service's CPU time (user + system, /proc) from the phase's first commit until its last
 * email was accepted, over the emails accepted. Other work on the machine moves it less than
 * the latencies, but it does move it: compare runs made side by side (hangout's column shows how
 * much a run was slowed).
 */
function cpuPerEmail(phase: MailResult["phases"][number]) {
  const per = (seconds: number) =>
    phase.accepted > 0 ? ((seconds * 1000) / phase.accepted).toFixed(2) : "n/a";
  const { notification, hangout, auth } = phase.cpu;
  return `${per(notification)} / ${per(hangout)} / ${per(auth)}`;
}

export function mailTable(result: MailResult) {
  return table(
    [
      "steady rate",
      "seconds",
      "commits/s",
      "emails",
      "p50 ms",
      "p99 ms",
      "max ms",
      "commit p99 ms",
      "CPU ms/email notif. / hangout / auth",
    ],
    result.phases.map((phase) => [
      `${phase.rate} events/s${phase.problem ? " (!)" : ""}`,
      phase.seconds.toFixed(1),
      phase.committedPerSecond.toFixed(0),
      `${phase.accepted}/${phase.committed}`,
      fmtMs(phase.p50Ms),
      fmtMs(phase.p99Ms),
      fmtMs(phase.maxMs),
      fmtMs(phase.commitP99Ms),
      cpuPerEmail(phase),
    ]),
    ["l", "r", "r", "r", "r", "r", "r", "r", "r"],
  );
}

export function targetRows(relay: RelayResult | undefined, mail: MailResult | undefined) {
  const rows: string[][] = [];
  if (relay) {
    const r = relayRatios(relay);
    const bare = median(relay.rounds.map((x) => x["bare-window"].eventsPerSecond));
    const ours = median(relay.rounds.map((x) => x.relay.eventsPerSecond));
    rows.push(
      ratioTarget(
        `relay events/s >= ${TARGETS.relayToBare * 100}% of the bare publisher`,
        r,
        TARGETS.relayToBare,
        `${pct(ours / bare)}: ${ours.toFixed(0)} / ${bare.toFixed(0)}`,
        relay.rounds.some((x) => PUBLISHERS.some((p) => x[p].problem)),
      ),
    );
  }
  const phase = mail?.phases.find((p) => p.rate === TARGETS.p99AtRate);
  if (phase) {
    rows.push([
      `commit -> email p99 < ${TARGETS.p99Ms} ms at ${TARGETS.p99AtRate} events/s`,
      `${fmtMs(phase.p99Ms)} ms (p50 ${fmtMs(phase.p50Ms)} ms, ${phase.accepted} emails)`,
      verdict(phase.p99Ms < TARGETS.p99Ms, !!phase.problem),
    ]);
  }
  return targetsTable(rows);
}

/** Drains and phases that do not count, and why; a banner when there are any. */
export function printEventProblems(relay: RelayResult | undefined, mail: MailResult | undefined) {
  const invalid: string[] = [];
  for (const [i, round] of (relay?.rounds ?? []).entries()) {
    for (const p of PUBLISHERS) {
      if (round[p].problem) invalid.push(`relay round ${i + 1}, ${p}: ${round[p].problem}`);
    }
  }
  const notes: string[] = [];
  for (const phase of mail?.phases ?? []) {
    if (phase.problem) invalid.push(`${phase.rate} events/s: ${phase.problem}`);
    const lost = phase.committed - phase.accepted;
    if (lost > 0) {
      notes.push(
        `${phase.rate} events/s: ${lost} of ${phase.committed} emails not accepted within ${SETTLE_S} s of the last commit (counted as lost)`,
      );
    }
  }
  printProblems(
    notes,
    invalid,
    "problems: none (every message confirmed and queued, every commit at its rate, no email twice)",
  );
}
