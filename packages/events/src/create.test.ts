import { expect, test } from "bun:test";
import { createEvent } from "./create.ts";
import { parseEvent } from "./validate.ts";

const hangoutId = "0197a4f0-3c1e-7b2a-9d4e-5f6a7b8c9d01";
const owner = "0197a4e8-1a2b-7c3d-8e4f-a1b2c3d4e5f6";
const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

test("createEvent fills in the envelope from the type's definition", () => {
  const before = Date.now();
  const event = createEvent(
    "dev.hangout-planner.member.left.v1",
    { hangoutId, userId: owner },
    { traceparent },
  );
  expect(event).toMatchObject({
    specversion: "1.0",
    source: "/hangout",
    type: "dev.hangout-planner.member.left.v1",
    subject: hangoutId,
    datacontenttype: "application/json",
    traceparent,
    data: { hangoutId, userId: owner },
  });
  expect(event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
  expect(Date.parse(event.time)).toBeGreaterThanOrEqual(before);
  expect(parseEvent(JSON.stringify(event))).toEqual({ ok: true, event });
  expect("tracestate" in event).toBe(false);
});

test("the subject of auth's events is the user", () => {
  const time = new Date("2026-06-01T12:00:00Z");
  const event = createEvent("dev.hangout-planner.user.signed-up.v1", { userId: owner }, { time });
  expect([event.source, event.subject, event.time]).toEqual([
    "/auth",
    owner,
    "2026-06-01T12:00:00.000Z",
  ]);
});

test("createEvent throws on data that breaks the contract, so nothing is written", () => {
  expect(() =>
    createEvent("dev.hangout-planner.member.invited.v1", {
      hangoutId,
      invitedBy: owner,
      // The union's static type lets an extra field through; its schema does not.
      invitee: { userId: owner, email: "ann@example.com" },
    }),
  ).toThrow(
    "invalid dev.hangout-planner.member.invited.v1 event: dev.hangout-planner.member.invited.v1: /data/invitee/email is not a known field",
  );
  expect(() =>
    createEvent("dev.hangout-planner.member.left.v1", { hangoutId, userId: owner }, { id: "1" }),
  ).toThrow("/id must be a lower-case UUID version 7");
  // @ts-expect-error the data of each type is typed: member.left needs the userId
  expect(() => createEvent("dev.hangout-planner.member.left.v1", { hangoutId })).toThrow(
    "/data/userId is required",
  );
});
