/**
 * A change that does not happen writes no event, also when the outbox insert itself fails; and
 * the relay publishes what the outbox holds to RabbitMQ with the request's trace context.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { parseEvent } from "@hangout/events/validate";
import {
  createConsumer,
  type TestConsumer,
  testExchange,
  until,
} from "@hangout/platform/outbox/outbox.fixture";
import { count, createHangout, END, expectProblem, invite, query, START } from "./fixtures.ts";
import type { Stack, TestUser } from "./harness.ts";
import { startStackWithPeople } from "./harness.ts";
import { outboxReader, TYPE } from "./outbox-reader.ts";

const exchange = testExchange();

let stack: Stack;
let owner: TestUser;
let friend: TestUser;
let stranger: TestUser;
let consumer: TestConsumer;
let reader: ReturnType<typeof outboxReader>;

beforeAll(async () => {
  ({ stack, owner, friend, stranger } = await startStackWithPeople({ EVENTS_EXCHANGE: exchange }));
  reader = outboxReader(stack, [owner, friend, stranger]);
  consumer = await createConsumer(exchange);
});

afterAll(async () => {
  await consumer?.close();
  await stack?.stop();
});

describe("a change that does not happen writes no event", () => {
  test("refused requests: 422, 409, 403, 404", async () => {
    const { id } = await createHangout(stack, owner, { endsAt: END });
    await invite(stack, owner, id, [friend]);
    const before = await reader.lastSeq();
    const as = stack.as.bind(stack);
    await expectProblem(await as(owner).post("/hangouts", { title: "", startsAt: START }), 422);
    await expectProblem(
      await as(owner).patch(`/hangouts/${id}`, { startsAt: "2030-06-02T10:00:00.000Z" }),
      422,
    );
    await expectProblem(await as(owner).patch(`/hangouts/${id}`, { status: "done" }), 409);
    await expectProblem(await as(friend).patch(`/hangouts/${id}`, { title: "Mine" }), 403);
    await expectProblem(
      await as(friend).post(`/hangouts/${id}/invites`, { emails: [stranger.email] }),
      403,
    );
    await expectProblem(await as(stranger).put(`/hangouts/${id}/rsvp`, { rsvp: "going" }), 404);
    await expectProblem(
      await as(stranger).post(`/hangouts/${id}/activities`, { title: "Crash" }),
      404,
    );
    await expectProblem(await as(owner).delete(`/hangouts/${id}/members/${owner.id}`), 409);
    await expectProblem(await as(owner).delete(`/hangouts/${id}/members/${stranger.id}`), 404);
    await expectProblem(await as(stranger).delete(`/hangouts/${id}`), 404);
    expect(await reader.rowsAfter(before)).toEqual([]);
  });

  test("when the outbox insert fails, the change rolls back with it", async () => {
    const { id } = await createHangout(stack, owner);
    await stack.db.query(
      `CREATE TRIGGER outbox_refuse BEFORE INSERT ON outbox FOR EACH ROW
         SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'outbox refused by the test'`,
    );
    try {
      const before = await reader.lastSeq();
      const hangouts = await count(stack, "SELECT COUNT(*) AS n FROM hangouts");
      await expectProblem(
        await stack.as(owner).post("/hangouts", { title: "X", startsAt: START }),
        500,
      );
      await expectProblem(
        await stack.as(owner).post(`/hangouts/${id}/activities`, { title: "Lost" }),
        500,
      );
      await expectProblem(
        await stack.as(owner).patch(`/hangouts/${id}`, { title: "Renamed", status: "confirmed" }),
        500,
      );
      await expectProblem(await stack.as(owner).delete(`/hangouts/${id}`), 500);
      expect(await count(stack, "SELECT COUNT(*) AS n FROM hangouts")).toBe(hangouts);
      expect(
        await count(stack, "SELECT COUNT(*) AS n FROM activities WHERE hangout_id = ?", [id]),
      ).toBe(0);
      expect(
        await query(stack, "SELECT title, status, deleted_at FROM hangouts WHERE id = ?", [id]),
      ).toEqual([{ title: "Weekend", status: "planning", deleted_at: null }]);
      expect(await reader.rowsAfter(before)).toEqual([]);
    } finally {
      await stack.db.query("DROP TRIGGER outbox_refuse");
    }
  });
});

test("the relay publishes a change's event to the exchange, with its trace context", async () => {
  const before = await reader.lastSeq();
  const hangout = await createHangout(stack, owner);
  const [row] = await reader.rowsAfter(before);
  await until(
    () => consumer.received.some((m) => m.properties.messageId === row?.event_id),
    15_000,
    "hangout.created published",
  );
  const message = consumer.received.find((m) => m.properties.messageId === row?.event_id);
  expect(message?.fields.routingKey).toBe(`${TYPE}hangout.created.v1`);
  expect(message?.properties.headers?.traceparent).toBe(row?.traceparent ?? "missing");
  expect(message?.properties.headers?.traceparent).toMatch(/^00-[0-9a-f]{32}-/);
  const parsed = parseEvent(message?.content ?? "");
  expect(parsed.ok && parsed.event.subject).toBe(hangout.id);
  expect(parsed.ok && parsed.event.type).toBe(`${TYPE}hangout.created.v1`);
  await until(
    async () =>
      (await count(
        stack,
        "SELECT COUNT(*) AS n FROM outbox WHERE seq = ? AND published_at IS NOT NULL",
        [row?.seq],
      )) === 1,
    5000,
    "the row marked published",
  );
});
