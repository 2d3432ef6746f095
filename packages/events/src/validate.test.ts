import { describe, expect, test } from "bun:test";
import { hangoutCreated } from "./hangout-events.ts";
import { memberInvited } from "./member-events.ts";
import { exampleEvent } from "./publish.ts";
import { eventTypeList } from "./registry.ts";
import { type ParseResult, parseEvent } from "./validate.ts";

const created = () => structuredClone(exampleEvent(hangoutCreated));
const invited = () => structuredClone(exampleEvent(memberInvited));
const userId = "0197a4e9-2b3c-7d4e-9f50-b2c3d4e5f607";

/** The rejection of `raw`, failing the test if it was accepted. */
function rejection(raw: unknown) {
  const result: ParseResult = parseEvent(raw);
  if (result.ok) throw new Error("expected a rejection, got an event");
  return result;
}

describe("parseEvent accepts", () => {
  test("an event as an object, as JSON text and as the bytes of a message body", () => {
    const event = created();
    for (const raw of [event, JSON.stringify(event), Buffer.from(JSON.stringify(event))]) {
      const result = parseEvent(raw);
      expect(result).toEqual({ ok: true, event: event as never });
    }
  });

  test("an invitation of an existing user by id, and of an address with no account", () => {
    const byId = invited();
    byId.data.invitee = { userId } as never;
    const result = parseEvent(byId);
    if (!result.ok || result.event.type !== "dev.hangout-planner.member.invited.v1") {
      throw new Error("expected a member.invited event");
    }
    // The event's type narrows its data.
    expect(result.event.data.invitee).toEqual({ userId });
    expect(parseEvent(invited()).ok).toBe(true);
  });

  test("an event without trace context, and data with null optional values", () => {
    const { traceparent: _untraced, ...event } = created();
    const data = { ...event.data, endsAt: null, locationName: null };
    expect(parseEvent({ ...event, data }).ok).toBe(true);
  });
});

describe("parseEvent rejects with a reason", () => {
  test("a body that is not JSON, or not an object", () => {
    expect(rejection("{not json")).toEqual({
      ok: false,
      kind: "not-json",
      reason: "the body is not JSON",
    });
    for (const raw of [null, 42, "[]", []]) expect(rejection(raw).kind).toBe("envelope");
  });

  test("an unknown type, naming it", () => {
    const event = { ...created(), type: "dev.hangout-planner.hangout.exploded.v1" };
    expect(rejection(event)).toEqual({
      ok: false,
      kind: "unknown-type",
      reason: 'type "dev.hangout-planner.hangout.exploded.v1" is not a known event type',
    });
    expect(rejection({ ...created(), type: "hangout.created" }).kind).toBe("unknown-type");
  });

  test("a newer version of a known type, even when its envelope and data differ too", () => {
    const event = { type: "dev.hangout-planner.hangout.created.v2", data: { renamed: true } };
    expect(rejection(event)).toEqual({
      ok: false,
      kind: "newer-version",
      reason:
        'type "dev.hangout-planner.hangout.created.v2" is version 2 of hangout.created, newer than this consumer reads (up to v1)',
    });
  });

  test("an envelope missing an attribute or breaking its rules", () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ id: undefined }, "/id is required"],
      [{ id: crypto.randomUUID() }, "/id must be a lower-case UUID version 7"],
      [{ specversion: "0.3" }, '/specversion must be "1.0"'],
      [{ time: "2026-02-30T12:00:00Z" }, "/time must be an RFC 3339 date-time"],
      [{ time: "2026-06-01 12:00" }, "/time must be an RFC 3339 date-time"],
      [{ datacontenttype: "text/plain" }, '/datacontenttype must be "application/json"'],
      [{ traceparent: "not-a-trace" }, "/traceparent must be a W3C traceparent"],
      [{ type: 17 }, "/type must be an event type named"],
      [{ partitionkey: "x" }, "/partitionkey is not a known field"],
    ];
    for (const [change, reason] of cases) {
      const event: Record<string, unknown> = { ...created(), ...change };
      for (const key of Object.keys(change)) if (change[key] === undefined) delete event[key];
      const result = rejection(event);
      expect({ change, kind: result.kind }).toEqual({ change, kind: "envelope" });
      expect(result.reason).toStartWith(reason);
    }
  });

  test("a source other than the type's producer, and a subject other than the data's aggregate", () => {
    expect(rejection({ ...created(), source: "/auth" }).reason).toBe(
      '/source must be "/hangout" for dev.hangout-planner.hangout.created.v1',
    );
    expect(rejection({ ...created(), subject: userId }).reason).toBe(
      "/subject must equal /data/hangoutId",
    );
  });

  test("data missing a field, or with a field of the wrong type, naming the type and field", () => {
    const missing = created();
    delete (missing.data as Partial<typeof missing.data>).title;
    expect(rejection(missing)).toEqual({
      ok: false,
      kind: "data",
      reason: "dev.hangout-planner.hangout.created.v1: /data/title is required",
    });
    const wrong = created();
    (wrong.data as Record<string, unknown>).title = 42;
    expect(rejection(wrong).reason).toBe(
      "dev.hangout-planner.hangout.created.v1: /data/title must be a string",
    );
    expect(rejection({ ...created(), data: "hello" }).reason).toEndWith("/data must be an object");
  });

  test("data values outside their lists and forms, each rule in words", () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ status: "done" }, '/data/status must be "planning"'],
      [{ endsAt: "tomorrow" }, "/data/endsAt must be an RFC 3339 date-time"],
      [
        { endsAt: 5 },
        "/data/endsAt must be an RFC 3339 date-time with a time zone (2026-06-15T18:00:00Z) or null",
      ],
      [{ ownerId: "ann" }, "/data/ownerId must be a UUID"],
      [{ title: "" }, "/data/title must not be empty"],
    ];
    for (const [change, reason] of cases) {
      const event = created();
      event.data = { ...event.data, ...change } as never;
      expect(rejection(event).reason).toStartWith(
        `dev.hangout-planner.hangout.created.v1: ${reason}`,
      );
    }
  });

  test("several problems at once, each named once", () => {
    const event = created();
    event.data = { hangoutId: event.data.hangoutId } as never;
    const { reason } = rejection(event);
    for (const field of ["ownerId", "title", "startsAt", "endsAt", "locationName"]) {
      expect(reason).toContain(`/data/${field} is required`);
    }
    expect(reason.split("/data/ownerId").length).toBe(2);
    expect(reason).toEndWith("/data/locationName is required; and more");
  });
});

describe("an existing user's email address", () => {
  const address = "ann@example.com";

  test("is refused beside a userId in an invitation, and the reason does not repeat it", () => {
    const event = invited();
    event.data.invitee = { userId, email: address } as never;
    const result = rejection(event);
    expect(result).toEqual({
      ok: false,
      kind: "data",
      reason: "dev.hangout-planner.member.invited.v1: /data/invitee/email is not a known field",
    });
    expect(JSON.stringify(result)).not.toContain(address);
  });

  test("is refused in the data of every type", () => {
    for (const d of eventTypeList) {
      const event = structuredClone(exampleEvent(d));
      event.data = { ...event.data, email: address } as never;
      expect(rejection(event).reason).toBe(`${d.type}: /data/email is not a known field`);
    }
  });

  test("an invitation by address needs its invitation id, and a real address", () => {
    const event = invited();
    event.data.invitee = { email: address } as never;
    expect(rejection(event).reason).toEndWith("/data/invitee/invitationId is required");
    const notAnAddress = invited();
    notAnAddress.data.invitee = { ...notAnAddress.data.invitee, email: "ann" } as never;
    expect(rejection(notAnAddress).reason).toEndWith(
      "/data/invitee/email must be an email address",
    );
  });

  test("an invitee that is neither shape is told both", () => {
    const event = invited();
    event.data.invitee = "ann" as never;
    expect(rejection(event).reason).toEndWith(
      "/data/invitee must be an existing user, by userId only or an address with no account, by invitationId and email",
    );
  });
});

test("never throws, whatever it is given", () => {
  const hostile = new Proxy(
    {},
    {
      get() {
        throw new Error("boom");
      },
    },
  );
  expect(rejection(hostile).reason).toBe("could not be read: boom");
  expect(rejection({ ...created(), data: hostile }).ok).toBe(false);
  expect(rejection(new Uint8Array([0xff, 0xfe])).kind).toBe("not-json");
  let deep: unknown = created().data;
  for (let i = 0; i < 10_000; i++) deep = { invitee: deep };
  expect(rejection({ ...invited(), data: deep }).kind).toBe("data");
});
