// Where commit -> email spends its time: the services' own timestamps of each invitation, read
// back from their databases after a phase. Every timestamp is the wall clock of one machine, in ms.
import { createPool } from "@hangout/platform/db";
import type { RowDataPacket } from "../packages/platform/node_modules/mysql2/promise";
import { ascending, quantile, table } from "./common.ts";
import type { Commit, Phase } from "./events-load.ts";
import { fmtMs } from "./events-report.ts";

export const STAGES = [
  ["published", "relay confirmed (outbox published_at)"],
  ["queued", "consumer handled (delivery created_at)"],
  ["sent", "mailer marked sent (delivery finished_at)"],
] as const;
export type Stage = (typeof STAGES)[number][0];

/** Per stage, how long after its commit each invitation reached it: p50 and p99 in ms. */
export type StageTimes = Record<Stage, { p50Ms: number; p99Ms: number; count: number }>;

export async function stageTimes(
  hangoutDatabaseUrl: string,
  notificationDatabaseUrl: string,
  commits: Commit[],
): Promise<StageTimes> {
  const ids = commits.map((c) => c.eventId);
  const published = await timestamps(
    hangoutDatabaseUrl,
    "SELECT event_id AS id, published_at AS a FROM outbox WHERE event_id IN (?)",
    ids,
  );
  const delivery = await timestamps(
    notificationDatabaseUrl,
    "SELECT source_id AS id, created_at AS a, finished_at AS b FROM deliveries WHERE source_id IN (?)",
    ids,
  );
  // An invitation that never reached a stage counts as slower than every one that did.
  const after = (at: Map<string, Date | null>) =>
    ascending(
      commits.map((c) => {
        const time = at.get(c.eventId);
        return time ? time.getTime() - c.at : Number.POSITIVE_INFINITY;
      }),
    );
  const summary = (sorted: number[]) => ({
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    count: sorted.filter(Number.isFinite).length,
  });
  return {
    published: summary(after(published.a)),
    queued: summary(after(delivery.a)),
    sent: summary(after(delivery.b)),
  };
}

async function timestamps(url: string, sql: string, ids: string[]) {
  const pool = createPool(url);
  const a = new Map<string, Date | null>();
  const b = new Map<string, Date | null>();
  try {
    for (let i = 0; i < ids.length; i += 1000) {
      const [rows] = await pool.query<RowDataPacket[]>(sql, [ids.slice(i, i + 1000)]);
      for (const row of rows) {
        a.set(row.id, row.a);
        b.set(row.id, row.b ?? null);
      }
    }
  } finally {
    await pool.end();
  }
  return { a, b };
}

export function stagesTable(phases: (Phase & { stages?: StageTimes })[]) {
  const header = ["after its commit (ms), p50 / p99", ...phases.map((p) => `${p.rate} events/s`)];
  const cell = (v: { p50Ms: number; p99Ms: number }) => `${fmtMs(v.p50Ms)} / ${fmtMs(v.p99Ms)}`;
  return table(
    header,
    [
      ...STAGES.map(([stage, label]) => [
        label,
        ...phases.map((p) => (p.stages ? cell(p.stages[stage]) : "-")),
      ]),
      ["accepted by the SMTP sink", ...phases.map(cell)],
    ],
    ["l", ...phases.map(() => "r" as const)],
  );
}
