import fc from "fast-check";
import { type Mutated, RawJson } from "./payloads.ts";
import { type JsonSchema, jsonType, resolveRef, validate } from "./validate.ts";

type Path = (string | number)[];
interface Node {
  path: Path;
  /** The node's schema as declared (a union stays a union). */
  declared: JsonSchema;
  /** The branch of it the value matches, whose limits the mutations break. */
  schema: JsonSchema;
  value: unknown;
}

/** The branch of a union that `value` is valid against, so a node's own rules are known. */
function effectiveSchema(raw: JsonSchema, value: unknown, root: unknown): JsonSchema {
  const schema = resolveRef(raw, root);
  const branches = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (!branches) return schema;
  const { anyOf: _a, oneOf: _o, ...rest } = schema;
  const branch = branches.find((b) => validate({ ...rest, ...b }, value, root).length === 0);
  return branch ? { ...rest, ...resolveRef(branch, root) } : schema;
}

/** Every node of a valid value with the schema it answers to, root first. */
export function nodesOf(raw: JsonSchema, value: unknown, root: unknown, path: Path = []): Node[] {
  const schema = effectiveSchema(raw, value, root);
  const nodes: Node[] = [{ path, declared: resolveRef(raw, root), schema, value }];
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      nodes.push(...nodesOf((schema.items ?? {}) as JsonSchema, item, root, [...path, i]));
    });
  } else if (value && typeof value === "object") {
    const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
    for (const [key, child] of Object.entries(value)) {
      if (properties[key]) nodes.push(...nodesOf(properties[key], child, root, [...path, key]));
    }
  }
  return nodes;
}

const label = (path: Path) => (path.length ? path.join(".") : "body");

function setAt(value: unknown, path: Path, next: unknown): unknown {
  if (path.length === 0) return next;
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  parent[path.at(-1)!] = next;
  return copy;
}

/** Sets an own property, even `__proto__`, so it is serialised like any other key. */
const withOwn = (object: object, key: string, value: unknown) =>
  Object.defineProperty(object, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });

export const nested = (depth: number, leaf: unknown = 1): unknown =>
  depth === 0 ? leaf : depth % 2 ? { a: nested(depth - 1, leaf) } : [nested(depth - 1, leaf)];

/** Date-times that break RFC 3339, or sit at edges a database or parser may not hold. */
export const BAD_DATE_TIMES = [
  "2030-06-01T10:00:00+0100",
  "0050-06-01T10:00:00Z",
  "0000-01-01T00:00:00Z",
  "1969-12-31T23:59:59Z",
  "1900-01-01T00:00:00Z",
  "2038-01-19T03:14:08Z",
  "9999-12-31T23:59:59Z",
  "+275760-09-13T00:00:00Z",
  "2030-02-30T10:00:00Z",
  "2031-02-29T10:00:00Z",
  "2030-06-01T24:00:00Z",
  "2030-06-01T23:59:60Z",
  "2030-06-01T10:00:00",
  "2030-06-01 10:00:00Z",
  "2030-06-01T10:00:00+24:00",
  "2030-06-01T10:00:00.1234567890123Z",
  "2030-06-01",
  "1780000000",
  "",
];

/** Characters free text must not take, or that break encodings. */
export const BAD_CHARS = ["\ud800", "\udfff", "\u0000", "\u0007", "\u001b", "\u007f", "\b"];

/** The value an injected unknown field carries; it must never come back as stored. */
export const INJECTED_ID = "0190a6e2-0000-7000-8000-00000000f022";

const UNKNOWN_KEYS = ["__proto__", "ownerId", "id", "constructor", "createdAt", "isAdmin", "x"];

/** Values of other JSON types that the node's declared schema refuses. */
const otherTypes = (node: Node, root: unknown) =>
  ["1", 1, 1.5, true, null, [], {}, ["a"]].filter(
    (v) => jsonType(v) !== jsonType(node.value) && validate(node.declared, v, root).length > 0,
  );

const huge = new Map<number, string>();
/** A string that nearly fills the body limit (made once per limit: it is large). */
const hugeString = (bodyLimit: number) => {
  if (!huge.has(bodyLimit)) huge.set(bodyLimit, "y".repeat(Math.max(0, bodyLimit - 4096)));
  return huge.get(bodyLimit)!;
};

/** A value for each whole number: a mutation's values as a pure function, so it shrinks. */
type Pick = (n: number) => unknown;
const from =
  (values: readonly unknown[]): Pick =>
  (n) =>
    values[n % values.length];

/** The mutations that apply to one node, each with the values it puts there. */
function nodeMutations(node: Node, root: unknown, bodyLimit: number): [string, Pick][] {
  const { schema, value } = node;
  const out: [string, Pick][] = [["deep nesting", (n) => nested(n % 2 ? 200 : 40)]];
  const others = otherTypes(node, root);
  if (others.length) out.push(["wrong type", from(others)]);
  if (typeof value === "string") {
    if (typeof schema.maxLength === "number") {
      const max = schema.maxLength;
      out.push(["too long", (n) => "x".repeat([max + 1, max + 50, 10_000][n % 3]!)]);
    } else out.push(["long string", () => "x".repeat(10_000)]);
    out.push([
      "bad character",
      (n) => {
        const c = BAD_CHARS[n % BAD_CHARS.length]!;
        const i = Math.floor(n / BAD_CHARS.length) % (value.length + 1);
        return `${value.slice(0, i)}${c}${value.slice(i)}`;
      },
    ]);
    out.push(["huge string", () => hugeString(bodyLimit)]);
    if (schema.format === "date-time") out.push(["bad date-time", from(BAD_DATE_TIMES)]);
    if (schema.format === "uuid") {
      out.push([
        "bad uuid",
        from(["not-a-uuid", "", "0", `${value}x`, "%FF", value.toUpperCase()]),
      ]);
    }
    if (schema.format === "email") {
      out.push([
        "bad email",
        from(["a", "a@", "@b.c", "a b@c.d", "a@b..c", `${"a".repeat(250)}@b.cd`]),
      ]);
    }
    if (Array.isArray(schema.enum)) {
      out.push(["not in enum", from(["", "GOING", " going", "other", "null"])]);
    }
  }
  if (typeof value === "number") {
    const n = (k: string) => (typeof schema[k] === "number" ? (schema[k] as number) : undefined);
    const edges: unknown[] = [
      1e308,
      -1e308,
      2 ** 53 + 2,
      0.5,
      new RawJson("1e400"),
      new RawJson("-0"),
    ];
    if (n("minimum") !== undefined) edges.push(n("minimum")! - 1, n("minimum")! - 1e-9);
    if (n("maximum") !== undefined) edges.push(n("maximum")! + 1, n("maximum")! + 1e-9);
    out.push(["out of range", from(edges)]);
  }
  if (Array.isArray(value)) {
    if (typeof schema.maxItems === "number") {
      const items = Array.from({ length: schema.maxItems + 1 }, () => value[0] ?? 1);
      out.push(["too many items", () => items]);
    }
    out.push(["empty array", () => []]);
  }
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const required = ((schema.required ?? []) as string[]).filter((k) => Object.hasOwn(value, k));
    if (required.length) {
      out.push([
        "drop required",
        (n) => {
          const { [required[n % required.length]!]: _, ...rest } = value as Record<string, unknown>;
          return rest;
        },
      ]);
    }
    const injected = [INJECTED_ID, "x", { polluted: true }, 1];
    out.push([
      "unknown field",
      (n) => {
        const key = UNKNOWN_KEYS[n % UNKNOWN_KEYS.length]!;
        const v = injected[Math.floor(n / UNKNOWN_KEYS.length) % injected.length];
        return withOwn(structuredClone(value), key, v);
      },
    ]);
  }
  return out;
}

/**
 * A valid body with one node changed. The kind of mutation is drawn first, then a node it
 * applies to, so a body of many strings and one date-time still gets its date-time broken as
 * often as its strings. All of it is a function of drawn numbers, which fast-check shrinks.
 */
export function valueMutation(
  schema: JsonSchema,
  valid: fc.Arbitrary<unknown>,
  root: unknown,
  bodyLimit: number,
): fc.Arbitrary<Mutated> {
  return fc.tuple(valid, fc.nat(), fc.nat(), fc.nat()).map(([value, k, t, v]): Mutated => {
    const byKind = new Map<string, [Node, Pick][]>();
    for (const node of nodesOf(schema, value, root)) {
      for (const [kind, pick] of nodeMutations(node, root, bodyLimit)) {
        byKind.set(kind, [...(byKind.get(kind) ?? []), [node, pick]]);
      }
    }
    const kinds = [...byKind.keys()].flatMap((kind) => Array(KIND_WEIGHTS[kind] ?? 1).fill(kind));
    const kind = kinds[k % kinds.length] as string;
    const targets = byKind.get(kind)!;
    const [node, pick] = targets[t % targets.length]!;
    return {
      mutation: `${label(node.path)}: ${kind}`,
      payload: { contentType: "application/json", value: setAt(value, node.path, pick(v)) },
    };
  });
}

/** Kinds with many distinct values are drawn more often, so each value is tried in a CI run. */
const KIND_WEIGHTS: Record<string, number> = {
  "bad date-time": 4,
  "bad character": 2,
  "out of range": 2,
};
