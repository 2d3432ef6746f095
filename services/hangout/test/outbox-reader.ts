/**
 * Reading hangout's outbox in tests: the rows a change wrote, checked as a consumer would read
 * them.
 */
import { expect } from "bun:test";
import type { Event } from "@hangout/events/registry";
import { parseEvent } from "@hangout/events/validate";
import { query } from "./fixtures.ts";
import type { Stack, TestUser } from "./harness.ts";

export const TYPE = "dev.hangout-planner.";
const LIVE_SIGNAL = `${TYPE}hangout.live-changed.v1`;

export interface OutboxRow {
  seq: number;
  event_id: string;
  aggregate_id: string;
  type: string;
  payload: string;
  traceparent: string | null;
}

export function outboxReader(stack: Stack, people: TestUser[]) {
  const rowsAfter = (seq: number) =>
    query<OutboxRow>(stack, "SELECT * FROM outbox WHERE seq > ? ORDER BY seq", [seq]);

  const lastSeq = async () =>
    Number(
      (await query<{ s: number | null }>(stack, "SELECT MAX(seq) AS s FROM outbox"))[0]?.s ?? 0,
    );

  /**
   * Every outbox row written since `seq`: a valid event of the contract about `hangoutId`, its
   * row's columns equal to its envelope, carrying no email of `people`.
   */
  async function eventsSince(seq: number, hangoutId: string): Promise<Event[]> {
    const rows = await rowsAfter(seq);
    return rows.map((row) => {
      const parsed = parseEvent(row.payload);
      if (!parsed.ok) throw new Error(`outbox row ${row.seq}: ${parsed.reason}`);
      const { event } = parsed;
      expect(event.subject).toBe(hangoutId);
      expect(row.aggregate_id).toBe(hangoutId);
      expect(row.type).toBe(event.type);
      expect(row.event_id).toBe(event.id);
      for (const person of people) {
        expect(row.payload.toLowerCase()).not.toContain(person.email.toLowerCase());
      }
      return event;
    });
  }

  /**
   * Runs `change` and returns the domain events it wrote, as `[type without prefix, data]`. The
   * replicas' `hangout.live-changed` signal is left out here (live.test.ts checks it).
   */
  async function eventsOf(
    hangoutId: string,
    change: () => Promise<unknown>,
  ): Promise<[string, unknown][]> {
    const before = await lastSeq();
    await change();
    return (await eventsSince(before, hangoutId))
      .filter((e) => e.type !== LIVE_SIGNAL)
      .map((e) => [e.type.replace(TYPE, ""), e.data]);
  }

  return { rowsAfter, lastSeq, eventsSince, eventsOf };
}

export async function expectStatus(response: Promise<Response>, status: number) {
  expect((await response).status).toBe(status);
}
