import { expect, test } from "bun:test";
import fc from "fast-check";
import { arbitraryFor } from "./arbitraries.ts";
import { nodesOf, valueMutation } from "./mutations.ts";
import { type JsonSchema, validate } from "./validate.ts";

const TEXT = "^(?=[\\s\\S]*\\S)[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$";

/** Shapes as the services' documents write them (Elysia's OpenAPI output). */
const schemas: Record<string, JsonSchema> = {
  "a hangout to create": {
    type: "object",
    additionalProperties: false,
    required: ["title", "startsAt"],
    properties: {
      title: { type: "string", minLength: 1, maxLength: 120, pattern: TEXT },
      description: { type: ["string", "null"], maxLength: 5000, pattern: "^[^\\u0000-\\u001F]*$" },
      location: {
        type: ["object", "null"],
        additionalProperties: false,
        required: ["name"],
        properties: {
          name: { type: "string", minLength: 1, maxLength: 200, pattern: TEXT },
          lat: { type: "number", minimum: -90, maximum: 90 },
        },
      },
      startsAt: { type: "string", format: "date-time" },
      status: { type: "string", enum: ["planning", "done"] },
    },
  },
  "a patch with at least one field": {
    type: "object",
    additionalProperties: false,
    minProperties: 1,
    properties: { title: { type: "string", maxLength: 3 }, n: { type: "integer" } },
  },
  "files with numeric sizes": {
    type: "object",
    required: ["files"],
    properties: {
      files: {
        type: "array",
        minItems: 1,
        maxItems: 10,
        items: {
          type: "object",
          required: ["size", "sha256"],
          properties: {
            size: {
              minimum: 1,
              maximum: 10485760,
              anyOf: [
                { type: "string", format: "integer" },
                { type: "integer", minimum: 1, maximum: 10485760 },
              ],
            },
            sha256: { type: "string", pattern: "^[A-Za-z0-9+/]{43}=$" },
          },
        },
      },
    },
  },
  "emails and uuids": {
    type: "object",
    required: ["emails", "ids"],
    properties: {
      emails: {
        type: "array",
        minItems: 1,
        items: { type: "string", format: "email", maxLength: 254 },
      },
      ids: { type: "array", items: { type: "string", format: "uuid" }, uniqueItems: true },
    },
  },
  "a page limit": { type: "string", pattern: "^(?:[1-9][0-9]?|100)$" },
  "a name with a non-space": { type: "string", minLength: 1, maxLength: 100, pattern: "\\S" },
  "oneOf, const and exclusive bounds": {
    oneOf: [
      { type: "integer", exclusiveMinimum: 0, exclusiveMaximum: 10 },
      { const: "none" },
      { type: "number", minimum: 100.5, maximum: 101 },
    ],
  },
  "a $ref": { $ref: "#/$defs/id", $defs: { id: { type: "string", format: "uuid" } } },
};

for (const [name, schema] of Object.entries(schemas)) {
  test(`generated values are valid: ${name}`, () => {
    fc.assert(
      fc.property(arbitraryFor(schema, { root: schema }), (value) => {
        expect(validate(schema, value)).toEqual([]);
      }),
      { numRuns: 300, seed: 1 },
    );
  });
}

test("the validator refuses what the documents forbid", () => {
  const hangout = schemas["a hangout to create"]!;
  const ok = { title: "Lake", startsAt: "2030-06-01T10:00:00+02:00" };
  expect(validate(hangout, ok)).toEqual([]);
  const refused = [
    { startsAt: ok.startsAt },
    { ...ok, title: "" },
    { ...ok, title: "   " },
    { ...ok, title: "a\u0000b" },
    { ...ok, title: "x".repeat(121) },
    { ...ok, startsAt: "2030-06-01T10:00:00+0100" },
    { ...ok, startsAt: "2030-02-30T10:00:00Z" },
    { ...ok, location: { name: "x", lat: 91 } },
    { ...ok, location: { lat: 1 } },
    { ...ok, status: "gone" },
    { ...ok, ownerId: "x" },
    [ok],
  ];
  for (const value of refused) expect(validate(hangout, value)).not.toEqual([]);
  // Lengths are code points: 120 emoji fit in 120, though they are 240 UTF-16 units.
  expect(validate(hangout, { ...ok, title: "😀".repeat(120) })).toEqual([]);
  const errors = validate(hangout, { ...ok, location: { lat: 1 }, x: 1 });
  expect(errors).toHaveLength(2);
  expect(errors).toContainEqual({ path: "/location/name", message: "is required" });
  expect(errors).toContainEqual({ path: "/x", message: "is not a documented property" });
  // The platform's date-time, not ajv-formats': years before 1000 are refused too.
  expect(validate(hangout, { ...ok, startsAt: "0050-01-01T00:00:00Z" })).not.toEqual([]);
  expect(() => validate({ type: "string", format: "hostname" }, "x")).toThrow("format");
  // OpenAPI 3.0's `nullable` is no keyword in 3.1 documents.
  expect(() => validate({ type: "string", nullable: true }, null)).toThrow("keyword");
});

test("a $ref into an OpenAPI document is checked against its target, recursion included", () => {
  const document = {
    openapi: "3.1.2",
    paths: {},
    components: {
      schemas: {
        Tree: {
          type: "object",
          additionalProperties: false,
          required: ["name"],
          properties: {
            name: { type: "string" },
            kids: { type: "array", items: { $ref: "#/components/schemas/Tree" } },
          },
        },
      },
    },
  };
  const list = { type: "array", items: { $ref: "#/components/schemas/Tree" } };
  const tree = { name: "a", kids: [{ name: "b", kids: [{ name: "c" }] }] };
  expect(validate(list, [tree], document)).toEqual([]);
  expect(validate(list, [{ name: "a", kids: [{ kids: [] }] }], document)).toEqual([
    { path: "/0/kids/0/name", message: "is required" },
  ]);
  expect(() => validate({ $ref: "#/components/schemas/Nope" }, 1, document)).toThrow("Nope");
});

test("every mutation of a required field, a type or a limit makes a body invalid", () => {
  const schema = schemas["a hangout to create"]!;
  const breaking = /: (drop required|wrong type|too long|not in enum|too many items)$/;
  fc.assert(
    fc.property(valueMutation(schema, arbitraryFor(schema), schema, 1 << 20), (m) => {
      if (!breaking.test(m.mutation)) return;
      expect({ m: m.mutation, errors: validate(schema, m.payload.value).length > 0 }).toEqual({
        m: m.mutation,
        errors: true,
      });
    }),
    { numRuns: 300, seed: 2 },
  );
});

test("mutations can reach every node of a body", () => {
  const schema = schemas["a hangout to create"]!;
  const value = { title: "a", location: { name: "b", lat: 1 }, startsAt: "2030-06-01T10:00:00Z" };
  expect(nodesOf(schema, value, schema).map((n) => n.path.join("."))).toEqual([
    "",
    "title",
    "location",
    "location.name",
    "location.lat",
    "startsAt",
  ]);
});
