// Part 2's load: invitations committed into hangout's outbox at a steady rate, each matched to the
// one email the notification service sends for it, commit to acceptance by the SMTP sink.
import { createPool } from "@hangout/platform/db";
import { appendEvents } from "@hangout/platform/outbox/append";
import type { SunkMessage } from "@hangout/platform/testing/mail-sink";
import { createEvent } from "../packages/events/src/create.ts";
import type { Pool, RowDataPacket } from "../packages/platform/node_modules/mysql2/promise";
import { ascending, quantile } from "./common.ts";

export interface Invitee {
  userId: string;
  email: string;
}

/** One invitation: its event, and its commit on the bench's clock and the wall clock. */
export interface Commit {
  email: string;
  eventId: string;
  /** performance.now() when COMMIT was answered. */
  committed: number;
  /** Date.now() at the same moment, to compare with the services' timestamps. */
  at: number;
  commitMs: number;
}

export interface Phase {
  rate: number;
  /** From the first commit to the last. */
  seconds: number;
  committed: number;
  committedPerSecond: number;
  /** Emails accepted for this phase's invitations; the rest were lost (not within the wait). */
  accepted: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** How long the commits themselves took (BEGIN to COMMIT's answer). */
  commitP99Ms: number;
  problem?: string;
  /** Every commit of the phase, for the stage breakdown. */
  commits: Commit[];
}

const randomHex = (bytes: number) =>
  Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("hex");

/**
 * Commits invitations the way hangout's invite use case does (repositories/members.ts
 * `addMembers`): in one transaction, lock the live hangout, check the membership, insert the
 * member (RSVP pending), raise `member_count`, append `member.invited.v1` {userId} to the outbox.
 * Each resolves with the moment its COMMIT was answered, when the relay can first see the event.
 */
export function createInviter(hangoutDatabaseUrl: string, ownerId: string) {
  // Enough connections for 500 commits/s even when each waits for a slow disk, as that many
  // requests over hangout's replicas would; within MariaDB's default of 151 with the services'.
  const pool: Pool = createPool(hangoutDatabaseUrl, { connectionLimit: 60 });
  async function invite(hangoutId: string, userId: string) {
    // From before the pool's wait: a generator short of connections shows here.
    const began = performance.now();
    const connection = await pool.getConnection();
    try {
      await connection.query("START TRANSACTION");
      const [live] = await connection.query<RowDataPacket[]>(
        "SELECT id, starts_at FROM hangouts WHERE id = ? AND deleted_at IS NULL FOR UPDATE",
        [hangoutId],
      );
      if (live.length === 0) throw new Error(`hangout ${hangoutId} is gone`);
      const [already] = await connection.query<RowDataPacket[]>(
        "SELECT user_id FROM members WHERE hangout_id = ? AND user_id IN (?)",
        [hangoutId, [userId]],
      );
      if (already.length > 0) throw new Error(`${userId} is already a member of ${hangoutId}`);
      const now = new Date();
      await connection.query(
        "INSERT INTO members (hangout_id, user_id, role, rsvp, joined_at, starts_at) VALUES (?, ?, 'member', 'pending', ?, ?)",
        [hangoutId, userId, now, live[0]?.starts_at],
      );
      await connection.query("UPDATE hangouts SET member_count = member_count + 1 WHERE id = ?", [
        hangoutId,
      ]);
      const event = createEvent(
        "dev.hangout-planner.member.invited.v1",
        { hangoutId, invitedBy: ownerId, invitee: { userId } },
        // The trace context of the request an invitation comes with.
        { time: now, traceparent: `00-${randomHex(16)}-${randomHex(8)}-01` },
      );
      await appendEvents(connection, [event]);
      await connection.query("COMMIT");
      const committed = performance.now();
      return { eventId: event.id, committed, at: Date.now(), commitMs: committed - began };
    } catch (error) {
      await connection.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      connection.release();
    }
  }
  return { invite, close: () => pool.end() };
}

export type Inviter = ReturnType<typeof createInviter>;

/** Who each email went to, by address, and when the sink accepted it (bench clock). */
export function acceptanceLog(onMessage: (fn: (m: SunkMessage) => void) => () => void) {
  const acceptedAt = new Map<string, number[]>();
  const unsubscribe = onMessage((message) => {
    const at = performance.now();
    for (const address of message.envelope.to) {
      const key = address.toLowerCase();
      acceptedAt.set(key, [...(acceptedAt.get(key) ?? []), at]);
    }
  });
  return { acceptedAt, stop: unsubscribe };
}

/**
 * Invites `invitees` at `rate` per second, open loop: the i-th commit starts at i / rate seconds
 * whether or not the earlier ones have finished, as independent requests would. Then waits until
 * every invitation's email was accepted (at most `settleMs`) and returns the latencies.
 */
export async function runPhase(options: {
  rate: number;
  invitees: Invitee[];
  hangoutIds: string[];
  inviter: Inviter;
  acceptedAt: Map<string, number[]>;
  settleMs: number;
}): Promise<Phase> {
  const { rate, invitees, hangoutIds, inviter, acceptedAt } = options;
  const commits: Commit[] = [];
  const failures: string[] = [];
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  for (const [i, invitee] of invitees.entries()) {
    const wait = started + (i * 1000) / rate - performance.now();
    if (wait > 0.5) await Bun.sleep(wait);
    const hangoutId = hangoutIds[i % hangoutIds.length]!;
    const commit: Promise<void> = inviter
      .invite(hangoutId, invitee.userId)
      .then(
        (done) => void commits.push({ email: invitee.email, ...done }),
        (error: unknown) => void failures.push(String(error)),
      )
      .finally(() => inFlight.delete(commit));
    inFlight.add(commit);
  }
  await Promise.all(inFlight);
  const last = Math.max(...commits.map((c) => c.committed));
  const seconds = (last - started) / 1000;

  const deadline = performance.now() + options.settleMs;
  const missing = () => commits.filter((c) => !acceptedAt.has(c.email)).length;
  while (missing() > 0 && performance.now() < deadline) await Bun.sleep(50);

  const latencies: number[] = [];
  let duplicates = 0;
  for (const { email, committed } of commits) {
    const at = acceptedAt.get(email);
    if (!at) continue;
    if (at.length > 1) duplicates++;
    latencies.push(at[0]! - committed);
  }
  // An email that never came counts as slower than any that did: the quantiles it reaches are
  // Infinity (printed "lost"), not those of the emails that made it.
  const sorted = [...ascending(latencies), ...Array(missing()).fill(Number.POSITIVE_INFINITY)];
  // Lost emails are a result (the pipeline did not keep up); these make the phase not count.
  const committedPerSecond = commits.length / seconds;
  const problems = [
    failures.length && `${failures.length} commits failed (first: ${failures[0]})`,
    committedPerSecond < 0.9 * rate &&
      `the commits reached ${committedPerSecond.toFixed(0)}/s, not ${rate}/s (commit p99 in the table)`,
    duplicates && `${duplicates} recipients got more than one email`,
  ].filter(Boolean);
  return {
    rate,
    seconds,
    committed: commits.length,
    committedPerSecond,
    accepted: latencies.length,
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    maxMs: latencies.length ? Math.max(...latencies) : Number.NaN,
    commitP99Ms: quantile(ascending(commits.map((c) => c.commitMs)), 0.99),
    ...(problems.length ? { problem: problems.join("; ") } : {}),
    commits,
  };
}
