import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { trace } from "@opentelemetry/api";
import { runTransaction } from "../db.ts";
import { initTelemetry } from "../telemetry.ts";
import { appendEvents } from "./append.ts";
import { createOutboxDatabase, type OutboxDatabase, sampleEvent } from "./outbox.fixture.ts";

let store: OutboxDatabase;
beforeAll(async () => {
  store = await createOutboxDatabase();
});
afterAll(() => store.drop());

class Refused extends Error {}

describe("appendEvents in a Drizzle transaction", () => {
  test("a rolled-back transaction leaves no row", async () => {
    const before = (await store.rows()).length;
    const event = sampleEvent("hangout-rolled-back", 1);
    const attempt = runTransaction(store.db, async (tx) => {
      await appendEvents(tx, [event]);
      throw new Refused("the state change failed after the append");
    });
    await expect(attempt).rejects.toBeInstanceOf(Refused);
    const rows = await store.rows();
    expect(rows).toHaveLength(before);
    expect(rows.map((row) => row.event_id)).not.toContain(event.id);
  });

  test("a committed transaction stores the event as it was given", async () => {
    const time = new Date("2027-03-04T05:06:07.089Z");
    const event = sampleEvent("hangout-committed", 1, time);
    await runTransaction(store.db, (tx) => appendEvents(tx, [event]));
    const [row] = (await store.rows()).filter((r) => r.event_id === event.id);
    expect(row).toMatchObject({
      event_id: event.id,
      aggregate_id: "hangout-committed",
      type: event.type,
      traceparent: null,
      created_at: time,
      published_at: null,
    });
    expect(JSON.parse(row?.payload)).toStrictEqual(event);
  });
});

describe("appendEvents on a mysql2 connection in a transaction", () => {
  test("rollback stores nothing; commit stores every event in the given order", async () => {
    const events = [3, 1, 2].map((n) => sampleEvent("hangout-sql", n));
    const connection = await store.pool.getConnection();
    try {
      await connection.beginTransaction();
      await appendEvents(connection, events);
      await connection.rollback();
      expect((await store.rows()).filter((r) => r.aggregate_id === "hangout-sql")).toEqual([]);

      await connection.beginTransaction();
      await appendEvents(connection, events);
      await connection.commit();
    } finally {
      connection.release();
    }
    const rows = (await store.rows()).filter((r) => r.aggregate_id === "hangout-sql");
    expect(rows.map((row) => row.event_id)).toEqual(events.map((e) => e.id));
    expect(rows.map((row) => JSON.parse(row.payload).data.n)).toEqual([3, 1, 2]);
  });
});

describe("trace context", () => {
  test("the active span's traceparent is stored; an event's own traceparent wins", async () => {
    initTelemetry({ service: "outbox-test" });
    const own = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const plain = sampleEvent("hangout-traced", 1);
    const carrying = { ...sampleEvent("hangout-traced", 2), traceparent: own };
    const span = await trace.getTracer("test").startActiveSpan("request", async (span) => {
      await runTransaction(store.db, (tx) => appendEvents(tx, [plain, carrying]));
      span.end();
      return span.spanContext();
    });
    const rows = (await store.rows()).filter((r) => r.aggregate_id === "hangout-traced");
    expect(rows.map((row) => row.traceparent)).toEqual([
      `00-${span.traceId}-${span.spanId}-0${span.traceFlags}`,
      own,
    ]);
  });
});

test("an event whose time is not a timestamp is refused before anything is written", async () => {
  const event = { ...sampleEvent("hangout-bad-time", 1), time: "yesterday" };
  await expect(runTransaction(store.db, (tx) => appendEvents(tx, [event]))).rejects.toThrow(
    "time must be an RFC 3339 timestamp",
  );
  expect((await store.rows()).filter((r) => r.aggregate_id === "hangout-bad-time")).toEqual([]);
});
