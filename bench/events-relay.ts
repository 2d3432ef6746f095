// Part 1 of the events section: how fast the platform's outbox relay, configured as hangout
// configures it, publishes a full outbox, against a bare publisher with confirms on the same
// client library and broker, in interleaved rounds.
import { Writable } from "node:stream";
import { createPool } from "@hangout/platform/db";
import { appendEvents } from "@hangout/platform/outbox/append";
import { DEFAULT_BATCH_SIZE } from "@hangout/platform/outbox/relay";
import { serviceRelay } from "@hangout/platform/outbox/service-relay";
import { createPlatform } from "@hangout/platform/platform";
import { createEvent } from "../packages/events/src/create.ts";
import { loadHangoutConfig } from "../services/hangout/src/config.ts";
import { positiveInteger, ROUNDS } from "./common.ts";
import {
  asMessage,
  type BenchBroker,
  benchBroker,
  type Message,
  publishBatched,
  publishWindowed,
} from "./events-publish.ts";
import type { BenchScope } from "./scope.ts";

/** Events in the outbox per drain. */
export const RELAY_EVENTS = positiveInteger("BENCH_EVENTS_RELAY_EVENTS", 20_000);
/** Events per aggregate (hangout): the relay keeps each one's order. */
const PER_HANGOUT = 10;
/** Messages a bare publisher keeps unconfirmed: the relay's batch size (its default). */
export const BARE_WINDOW = DEFAULT_BATCH_SIZE;

export const PUBLISHERS = ["relay", "bare-window", "bare-batch"] as const;
export type Publisher = (typeof PUBLISHERS)[number];

export interface Drain {
  seconds: number;
  eventsPerSecond: number;
  /** Why the drain does not count, if it does not (unconfirmed, missing messages). */
  problem?: string;
}

export interface RelayResult {
  events: number;
  /** rounds[i][publisher]: one drain of the whole outbox each. */
  rounds: Record<Publisher, Drain>[];
  hangouts: number;
  /** The relay's log lines (JSON, as a service's). */
  log: string;
}

const randomHex = (bytes: number) =>
  Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("hex");

/**
 * `count` hangout events over `count / PER_HANGOUT` hangouts, as hangout's use cases make them
 * (createEvent, each with the trace context of the request that made it): invitations of
 * existing users and RSVP changes, in turn.
 */
export function sampleEvents(count: number) {
  const events = [];
  let hangoutId = "";
  let ownerId = "";
  let userId = "";
  for (let i = 0; i < count; i++) {
    if (i % PER_HANGOUT === 0) {
      hangoutId = Bun.randomUUIDv7();
      ownerId = Bun.randomUUIDv7();
    }
    const traceparent = `00-${randomHex(16)}-${randomHex(8)}-01`;
    if (i % 2 === 0) {
      userId = Bun.randomUUIDv7();
      events.push(
        createEvent(
          "dev.hangout-planner.member.invited.v1",
          { hangoutId, invitedBy: ownerId, invitee: { userId } },
          { traceparent },
        ),
      );
    } else {
      events.push(
        createEvent(
          "dev.hangout-planner.rsvp.changed.v1",
          { hangoutId, userId, from: "pending", to: "going" },
          { traceparent },
        ),
      );
    }
  }
  return events;
}

/** Log lines of the relay go to a file in the section's log folder, as a service's would. */
function fileDestination(path: string) {
  const writer = Bun.file(path).writer();
  return new Writable({
    write(chunk, _encoding, done) {
      writer.write(chunk);
      done();
    },
    final(done) {
      void Promise.resolve(writer.end()).then(() => done());
    },
  });
}

export async function measureRelay(
  scope: BenchScope,
  otlpUrl: string,
  exchange: string,
): Promise<RelayResult> {
  const database = await scope.database("hangout");
  // hangout's own configuration with the bench's database, exchange and telemetry: the relay
  // gets the batch size, poll interval and confirm timeout every service runs with.
  const config = loadHangoutConfig({
    DEPLOY_ENV: "development",
    LOG_LEVEL: "info",
    OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl,
    HANGOUT_DATABASE_URL: database.url,
    EVENTS_EXCHANGE: exchange,
  });
  const log = `${scope.logDir}/relay.log`;
  const platform = createPlatform("hangout", config, { logDestination: fileDestination(log) });
  const pool = createPool(database.url);
  const relay = serviceRelay(platform, config, pool);
  const broker = await benchBroker(exchange);
  // Closed once the rounds are done, or by the scope's cleanup when they fail.
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await platform.lifecycle.closeAll(platform.logger);
      await pool.end();
      await broker.remove();
    })();
    return closing;
  };
  scope.beforeChildrenStop(close);

  const events = sampleEvents(RELAY_EVENTS);
  const messages = events.map(asMessage);
  const fill = async (batch: typeof events) => {
    await pool.query("TRUNCATE TABLE outbox");
    const connection = await pool.getConnection();
    try {
      for (let i = 0; i < batch.length; i += 1000) {
        await connection.query("START TRANSACTION");
        await appendEvents(connection, batch.slice(i, i + 1000));
        await connection.query("COMMIT");
      }
    } finally {
      connection.release();
    }
  };

  const drainRelay = async (expected: number): Promise<Drain> => {
    await broker.empty();
    let published = 0;
    let unconfirmed = 0;
    const started = performance.now();
    // Back to back, as the relay's loop runs its rounds while they come back full.
    for (;;) {
      const round = await relay.runOnce();
      published += round.published;
      unconfirmed += round.unconfirmed;
      if (round.claimed === 0) break;
    }
    return finish(broker, expected, started, [
      published !== expected && `the relay published ${published} of ${expected}`,
      unconfirmed > 0 && `${unconfirmed} unconfirmed`,
    ]);
  };
  const drainBare = async (publisher: Publisher, batch: Message[]): Promise<Drain> => {
    await broker.empty();
    const started = performance.now();
    let nacked = 0;
    if (publisher === "bare-window") {
      nacked = await publishWindowed(broker.channel, exchange, batch, BARE_WINDOW);
    } else {
      await publishBatched(broker.channel, exchange, batch, BARE_WINDOW);
    }
    return finish(broker, batch.length, started, [nacked > 0 && `${nacked} nacked`]);
  };

  // Warm-up, thrown away: the relay's connection and exchange, JIT, the queue's files.
  const warm = Math.min(2000, RELAY_EVENTS);
  await fill(events.slice(0, warm));
  await drainRelay(warm);
  await drainBare("bare-window", messages.slice(0, warm));
  await drainBare("bare-batch", messages.slice(0, warm));

  const rounds: Record<Publisher, Drain>[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Filled before the round's drains, outside every timing.
    await fill(events);
    const drains = {} as Record<Publisher, Drain>;
    // The order turns every round, so no publisher always follows the same one.
    const order = PUBLISHERS.map((_, i) => PUBLISHERS[(i + round) % PUBLISHERS.length]!);
    for (const publisher of order) {
      drains[publisher] =
        publisher === "relay"
          ? await drainRelay(events.length)
          : await drainBare(publisher, messages);
    }
    rounds.push(drains);
    console.log(
      `  relay round ${round + 1}/${ROUNDS}: ${PUBLISHERS.map((p) => `${p} ${drains[p].eventsPerSecond.toFixed(0)}/s`).join(", ")}`,
    );
  }
  await close();
  return { events: events.length, rounds, hangouts: Math.ceil(events.length / PER_HANGOUT), log };
}

/** The drain's rate, once the queue holds every message (a confirm means it is there). */
async function finish(
  broker: BenchBroker,
  expected: number,
  started: number,
  problems: (string | false)[],
): Promise<Drain> {
  const seconds = (performance.now() - started) / 1000;
  const queued = await broker.count();
  const found = problems.filter((p): p is string => !!p);
  if (queued !== expected) found.push(`the queue holds ${queued} of ${expected}`);
  return {
    seconds,
    eventsPerSecond: expected / seconds,
    ...(found.length ? { problem: found.join("; ") } : {}),
  };
}
