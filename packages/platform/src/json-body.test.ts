import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { anyRefused, refusedParts } from "./json-body.ts";

// The parser asks the cheap question first and walks for the pointers only when the answer is
// yes: the two must never disagree, or a refused part would slip through unseen.

const LONE = "\uD800";
const text = fc.oneof(
  fc.string(),
  fc.constantFrom(LONE, `a${LONE}b`, "\uDC00", "~/", "__proto__", ""),
);
/** JSON values, with keys and strings that are sometimes refused (`__proto__`, lone surrogates). */
const body = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    text,
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }),
    tie("object"),
  ),
  // Built as JSON.parse builds them: `__proto__` an own field, not the prototype.
  object: fc
    .array(fc.tuple(text, tie("value")), { maxLength: 4 })
    .map((entries) => JSON.parse(JSON.stringify(Object.fromEntries(entries))) as unknown),
})).value;

describe("anyRefused", () => {
  test("answers yes exactly when refusedParts finds something", () => {
    fc.assert(
      fc.property(body, (value) => {
        expect(anyRefused(value)).toBe(refusedParts(value, "").length > 0);
      }),
      { numRuns: 2000 },
    );
  });

  test("finds a refused part however deep it sits", () => {
    const deep = JSON.parse('{"a":[1,{"b":[{"__proto__":{}}]}]}') as unknown;
    expect(anyRefused(deep)).toBe(true);
    expect(refusedParts(deep, "")).toEqual([
      { path: "/a/1/b/0/__proto__", message: "is not a known field" },
    ]);
    expect(anyRefused({ a: [1, { b: [`x${LONE}`] }] })).toBe(true);
    expect(anyRefused({ a: [1, { b: ["x", "~/"] }], c: null })).toBe(false);
  });
});
