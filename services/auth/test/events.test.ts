import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { parseEvent } from "@hangout/events/validate";
import { createPool } from "@hangout/platform/db";
import {
  createConsumer,
  type TestConsumer,
  testExchange,
  until,
} from "@hangout/platform/outbox/outbox.fixture";
import type { Pool, RowDataPacket } from "mysql2/promise";
import { type AuthHarness, expectProblem, startAuth, uniqueEmail } from "./harness.ts";

const SIGNED_UP = "dev.hangout-planner.user.signed-up.v1";
const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const PASSWORD = "correct horse battery";

let auth: AuthHarness;
let pool: Pool;
let consumer: TestConsumer;
const exchange = testExchange();

beforeAll(async () => {
  // The queue is bound before the service starts, so nothing the relay publishes is missed.
  consumer = await createConsumer(exchange);
  const started = await startAuth({ EVENTS_EXCHANGE: exchange });
  auth = started;
  pool = createPool(started.database.url);
});

afterAll(async () => {
  await pool?.end();
  await auth?.close();
  await consumer?.close();
});

const outboxRows = async () => {
  const [rows] = await pool.query<RowDataPacket[]>("SELECT * FROM outbox ORDER BY seq");
  return rows;
};
const rowsFor = async (userId: string) =>
  (await outboxRows()).filter((row) => row.aggregate_id === userId);

describe("sign-up writes user.signed-up to the outbox", () => {
  test("one row per sign-up: a valid event about the new user, with no email in it", async () => {
    const email = uniqueEmail("Events");
    const response = await auth.post(
      "/auth/signup",
      { email, password: PASSWORD, name: "Eve Ents" },
      { traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` },
    );
    expect(response.status).toBe(201);
    const user = (await response.json()) as { id: string; email: string };

    const rows = await rowsFor(user.id);
    expect(rows).toHaveLength(1);
    const [row] = rows as [RowDataPacket];
    const parsed = parseEvent(row.payload);
    if (!parsed.ok) throw new Error(`the stored event is invalid: ${parsed.reason}`);
    expect(parsed.event).toMatchObject({
      type: SIGNED_UP,
      source: "/auth",
      subject: user.id,
      data: { userId: user.id },
    });
    expect(row).toMatchObject({ event_id: parsed.event.id, type: SIGNED_UP });
    // The request's trace, in the column the relay sends as a header and in the event itself.
    expect(row.traceparent).toStartWith(`00-${TRACE_ID}-`);
    expect(parsed.event.traceparent).toBe(row.traceparent);

    const stored = JSON.stringify(row).toLowerCase();
    expect(stored).not.toContain(email.toLowerCase());
    expect(stored).not.toContain("@example.com");
    expect(stored).not.toContain("eve ents");
  });

  test("a duplicate email (409) writes no event", async () => {
    const email = uniqueEmail("dup");
    const first = await auth.signup({ email });
    const before = (await outboxRows()).length;

    const again = await auth.post("/auth/signup", {
      email: email.toUpperCase(),
      password: PASSWORD,
      name: "Again",
    });
    await expectProblem(again, 409);
    expect(await outboxRows()).toHaveLength(before);
    expect(await rowsFor(first.id)).toHaveLength(1);
  });

  test("an invalid sign-up (422) writes no event", async () => {
    const before = (await outboxRows()).length;
    const response = await auth.post("/auth/signup", {
      email: uniqueEmail("short"),
      password: "short",
      name: "Shorty",
    });
    await expectProblem(response, 422);
    expect(await outboxRows()).toHaveLength(before);
  });
});

describe("the relay publishes it", () => {
  test("a queue bound to EVENTS_EXCHANGE receives the event with its id and trace context", async () => {
    const traceparent = `00-${TRACE_ID}-b7ad6b7169203331-01`;
    const response = await auth.post(
      "/auth/signup",
      { email: uniqueEmail("published"), password: PASSWORD, name: "Pub" },
      { traceparent },
    );
    expect(response.status).toBe(201);
    const { id: userId } = (await response.json()) as { id: string };
    const [row] = (await rowsFor(userId)) as [RowDataPacket];

    await until(
      () => consumer.received.some((m) => m.properties.messageId === row.event_id),
      15_000,
      "the sign-up's message",
    );
    const message = consumer.received.find((m) => m.properties.messageId === row.event_id);
    expect(message?.fields.routingKey).toBe(SIGNED_UP);
    expect(message?.properties.headers?.traceparent).toBe(row.traceparent);
    expect(message?.properties.headers?.traceparent).toStartWith(`00-${TRACE_ID}-`);
    const parsed = parseEvent(message?.content);
    if (!parsed.ok) throw new Error(`the published event is invalid: ${parsed.reason}`);
    expect(parsed.event.id).toBe(row.event_id);
    expect(parsed.event.subject).toBe(userId);

    // Marked published once the broker confirmed it, so it is not sent again.
    await until(
      async () => (await rowsFor(userId))[0]?.published_at !== null,
      5_000,
      "the row marked published",
    );
    const ready = await auth.get("/readyz");
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { checks: Record<string, string> }).checks.broker).toBe("ok");
  });
});

test("with the broker unreachable, sign-up still succeeds and the event waits in the outbox", async () => {
  // A port nothing listens on: the relay cannot connect and retries with back-off.
  const down = await startAuth({ AMQP_URL: "amqp://guest:guest@127.0.0.1:1" });
  const downPool = createPool(down.database.url);
  try {
    const user = await down.signup();
    const [[row]] = await downPool.query<RowDataPacket[]>(
      "SELECT published_at FROM outbox WHERE aggregate_id = ?",
      [user.id],
    );
    expect(row?.published_at).toBeNull();
    // Not critical: the service stays ready, the check names the broker's problem.
    const ready = await down.get("/readyz");
    expect(ready.status).toBe(200);
    const { checks } = (await ready.json()) as { checks: Record<string, string> };
    expect(checks.broker).toStartWith("failed:");
  } finally {
    await downPool.end();
    await down.close();
  }
});
