import { describe, expect, test } from "bun:test";
import { splitType, TYPE_PREFIX } from "./envelope.ts";
import { exampleEvent } from "./publish.ts";
import { eventSchema, eventTypeList, eventTypes, typeProblem } from "./registry.ts";
import { parseEvent } from "./validate.ts";

/**
 * The types issues 17, 18 and 19 name, by producer; the contract must define each, and nothing
 * else.
 */
const required = {
  hangout: [
    "hangout.created",
    "hangout.updated",
    "hangout.status-changed",
    "hangout.deleted",
    "member.invited",
    "member.joined",
    "member.left",
    "member.removed",
    "rsvp.changed",
    "activity.proposed",
    "memory.added",
    "memory.removed",
    // Issue 19: a memory's photo left processing.
    "memory.processed",
    // The replicas' signal of issue 18's live streams.
    "hangout.live-changed",
  ],
  auth: ["user.signed-up"],
  // Issue 19's photo pipeline.
  file: ["file.uploaded", "file.processed"],
};

describe("the registry", () => {
  test("defines exactly the required types, each at v1 from its producer", () => {
    const defined = eventTypeList.map((d) => `${d.producer} ${d.type}`).sort();
    const expected = Object.entries(required)
      .flatMap(([producer, names]) => names.map((n) => `${producer} ${TYPE_PREFIX}${n}.v1`))
      .sort();
    expect(defined).toEqual(expected);
  });

  test("is keyed by type, and every type follows the naming rule", () => {
    for (const d of eventTypeList) {
      expect(eventTypes[d.type as keyof typeof eventTypes]).toBe(d as never);
      expect(splitType(d.type)).toEqual({ name: d.name, version: d.version });
    }
    expect(splitType("dev.hangout-planner.hangout.created")).toBeUndefined();
    expect(splitType("dev.hangout-planner.hangout.created.v0")).toBeUndefined();
    expect(splitType("com.example.hangout.created.v1")).toBeUndefined();
    expect(splitType("dev.hangout-planner.Hangout.created.v1")).toBeUndefined();
  });

  test("every type has a described data schema that refuses unknown fields", () => {
    for (const d of eventTypeList) {
      expect(d.description.length).toBeGreaterThan(10);
      expect(d.schema.type).toBe("object");
      expect(d.schema.additionalProperties).toBe(false);
      for (const [field, schema] of Object.entries(d.schema.properties)) {
        expect({ type: d.type, field, described: typeof schema.description }).toEqual({
          type: d.type,
          field,
          described: "string",
        });
      }
    }
  });

  test("every subject is a required UUID field of the data, naming the aggregate", () => {
    for (const d of eventTypeList) {
      expect(d.schema.required).toContain(d.subject);
      expect(d.schema.properties[d.subject]?.format).toBe("uuid");
      expect(d.subject).toBe(`${d.aggregate}Id`);
    }
  });

  test("every type's example is a valid event of that type", () => {
    for (const d of eventTypeList) {
      const result = parseEvent(exampleEvent(d));
      expect({ type: d.type, result: result.ok ? "ok" : result.reason }).toEqual({
        type: d.type,
        result: "ok",
      });
    }
  });

  test("knows a newer version from an unknown type", () => {
    expect(typeProblem(`${TYPE_PREFIX}hangout.created.v1`)).toBeUndefined();
    expect(typeProblem(`${TYPE_PREFIX}hangout.created.v7`)?.kind).toBe("newer-version");
    expect(typeProblem(`${TYPE_PREFIX}hangout.exploded.v1`)?.kind).toBe("unknown-type");
    expect(typeProblem("hangout.created")?.kind).toBe("unknown-type");
    expect(typeProblem("constructor")?.kind).toBe("unknown-type");
  });
});

/** Every place in a schema where a property is an email address, or is named like one. */
function emailFields(schema: unknown, path: string): string[] {
  if (typeof schema !== "object" || schema === null) return [];
  const node = schema as Record<string, unknown>;
  const found: string[] = [];
  if (node.format === "email") found.push(path);
  for (const [key, child] of Object.entries(node)) {
    const childPath = `${path}/${key}`;
    if (key === "properties" && typeof child === "object" && child !== null) {
      for (const [name, property] of Object.entries(child)) {
        if (/e-?mail/i.test(name) && (property as { format?: string }).format !== "email")
          found.push(`${childPath}/${name} (named like an address)`);
      }
    }
    if (key !== "examples") found.push(...emailFields(child, childPath));
  }
  return found;
}

test("an email address appears in one place only: an invitation to an address with no account", () => {
  const places = eventTypeList.flatMap((d) =>
    emailFields(JSON.parse(JSON.stringify(eventSchema(d))), d.type),
  );
  expect(places).toEqual([
    `${TYPE_PREFIX}member.invited.v1/properties/data/properties/invitee/anyOf/1/properties/email`,
  ]);
});

test("a reason quotes at most the start of a very long type", () => {
  const reason = typeProblem(`${TYPE_PREFIX}${"x".repeat(10_000)}.v1`)?.reason ?? "";
  expect(reason.length).toBeLessThan(200);
  expect(reason).toContain('x…" is not a known event type');
});
