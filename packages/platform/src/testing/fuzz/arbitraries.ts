import fc from "fast-check";
import {
  codePoints,
  deepEqual,
  type JsonSchema,
  knownFormat,
  patternOf,
  resolveRef,
  validate,
} from "./validate.ts";

/**
 * Replaces the generator of one node: `path` is the property names from the root (array items
 * are `[]`). Returning undefined keeps the schema's own generator. Used to draw ids, emails or
 * tokens the service knows from pools, so valid requests reach more than "not found".
 */
export type Hint = (path: string[], schema: JsonSchema) => fc.Arbitrary<unknown> | undefined;

export interface ArbitraryOptions {
  /** The document, for `$ref`. */
  root?: unknown;
  hint?: Hint;
}

/** One code point each: ASCII, spaces, accents, CJK, right-to-left, BOM, astral emoji. */
export const codePointChar = fc.oneof(
  {
    arbitrary: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
    weight: 8,
  },
  { arbitrary: fc.constantFrom(" ", "\t", "\n", "\r", "\u00a0", "\u3000"), weight: 2 },
  { arbitrary: fc.constantFrom(..."!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"), weight: 2 },
  {
    arbitrary: fc.constantFrom(
      "é",
      "ß",
      "ñ",
      "Ω",
      "Ж",
      "中",
      "日",
      "ب",
      "\u202e",
      "\u200b",
      "\ufeff",
    ),
    weight: 2,
  },
  { arbitrary: fc.constantFrom("😀", "𝄞", "🎉"), weight: 1 },
);

/** Characters of free text, including emoji of several code points. */
export const textChar = fc.oneof(
  { arbitrary: codePointChar, weight: 12 },
  { arbitrary: fc.constantFrom("👍🏽", "🏳️‍🌈", "e\u0301"), weight: 1 },
);

const uuid = fc.uuid().map((id) => id.toLowerCase());

const emailPart = fc
  .stringMatching(/^[a-z0-9][a-z0-9._+-]{0,20}[a-z0-9]$/)
  .filter((s) => !s.includes(".."));
const email = fc.oneof(
  {
    arbitrary: fc
      .tuple(emailPart, fc.constantFrom("example.com", "Example.ORG", "mail.example.net"))
      .map(([l, d]) => `${l}@${d}`),
    weight: 4,
  },
  { arbitrary: fc.emailAddress(), weight: 1 },
);

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

const DAY = 86_400_000;

/**
 * Date-times the platform takes (`isDateTime` in formats.ts), mostly between 1970 and 2100, with
 * any offset and sometimes a fraction. Earlier years are the mutations' (`BAD_DATE_TIMES`).
 */
export const dateTime = fc
  .record({
    ms: fc.oneof(
      { arbitrary: fc.integer({ min: 0, max: Date.UTC(2100, 0, 1) }), weight: 4 },
      // Any instant of the years 1000 to 9999 (a day in from each end, for the offset).
      {
        arbitrary: fc.integer({ min: Date.UTC(1000, 0, 1) + DAY, max: Date.UTC(9999, 11, 31) }),
        weight: 1,
      },
    ),
    offset: fc.oneof(fc.constant(0), fc.integer({ min: -14 * 60, max: 14 * 60 })),
    fraction: fc.constantFrom("", ".000", ".5", ".123", ".123456"),
    zulu: fc.constantFrom("Z", "z", "+00:00"),
  })
  .map(({ ms, offset, fraction, zulu }) => {
    const local = new Date(ms + offset * 60_000);
    const date = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
    const time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
    const sign = offset < 0 ? "-" : "+";
    const zone =
      offset === 0
        ? zulu
        : `${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
    return `${date}T${time}${fraction}${zone}`;
  });

function stringArbitrary(schema: JsonSchema): fc.Arbitrary<string> {
  const minLength = typeof schema.minLength === "number" ? schema.minLength : 0;
  const maxLength = typeof schema.maxLength === "number" ? schema.maxLength : undefined;
  const fits = (s: string) => {
    const n = codePoints(s);
    return n >= minLength && (maxLength === undefined || n <= maxLength);
  };
  const format = schema.format;
  if (typeof format === "string") {
    if (!knownFormat(format)) throw new Error(`No generator for string format "${format}"`);
    const byFormat: Record<string, fc.Arbitrary<string>> = {
      uuid,
      email,
      "date-time": dateTime,
      integer: fc.oneof(fc.integer({ min: -5, max: 200 }), fc.integer()).map(String),
    };
    return byFormat[format]!.filter(fits);
  }
  const pattern = typeof schema.pattern === "string" ? patternOf(schema.pattern) : undefined;
  const free = fc.string({
    unit: textChar,
    minLength,
    maxLength: Math.min(maxLength ?? 40, minLength + 40),
  });
  // A string exactly at the limit, where off-by-one errors and byte-vs-character limits live.
  const atMax =
    maxLength !== undefined && maxLength > 0
      ? fc.array(codePointChar, { minLength: maxLength, maxLength }).map((chars) => chars.join(""))
      : undefined;
  let base: fc.Arbitrary<string> = atMax
    ? fc.oneof({ arbitrary: free, weight: 6 }, { arbitrary: atMax, weight: 1 })
    : free;
  if (pattern) {
    try {
      // fast-check cannot generate from every regex (lookaheads); then draw text and keep matches.
      base = fc.oneof(fc.stringMatching(pattern), base);
    } catch {}
    base = base.filter((s) => pattern.test(s));
  }
  // Lone surrogates match most patterns but belong to the mutations, not to valid requests.
  return base.filter((s) => fits(s) && s.isWellFormed());
}

function numberArbitrary(schema: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const n = (k: string) => (typeof schema[k] === "number" ? (schema[k] as number) : undefined);
  const xmin = n("exclusiveMinimum");
  const xmax = n("exclusiveMaximum");
  if (integer) {
    const min = n("minimum") ?? (xmin !== undefined ? Math.floor(xmin) + 1 : undefined);
    const max = n("maximum") ?? (xmax !== undefined ? Math.ceil(xmax) - 1 : undefined);
    const bounded = fc.integer({
      min: Math.ceil(min ?? -(2 ** 31)),
      max: Math.floor(max ?? 2 ** 31 - 1),
    });
    const edges = [min, max].filter((v): v is number => v !== undefined).map(Math.round);
    return edges.length
      ? fc.oneof({ arbitrary: bounded, weight: 4 }, fc.constantFrom(...edges))
      : bounded;
  }
  const min = n("minimum");
  const max = n("maximum");
  const bounded = fc.double({
    min: min ?? xmin ?? -1e9,
    max: max ?? xmax ?? 1e9,
    minExcluded: min === undefined && xmin !== undefined,
    maxExcluded: max === undefined && xmax !== undefined,
    noNaN: true,
    noDefaultInfinity: true,
  });
  return bounded.filter((v) => !Object.is(v, -0));
}

function objectArbitrary(schema: JsonSchema, path: string[], options: ArbitraryOptions) {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  const shape: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, sub] of Object.entries(properties)) {
    shape[name] = arbitraryAt(sub, [...path, name], options);
  }
  const record = fc.record(shape, { requiredKeys: [...required].filter((k) => k in shape) });
  const minProperties = typeof schema.minProperties === "number" ? schema.minProperties : 0;
  return minProperties > 0 ? record.filter((o) => Object.keys(o).length >= minProperties) : record;
}

function arbitraryAt(
  raw: JsonSchema,
  path: string[],
  options: ArbitraryOptions,
): fc.Arbitrary<unknown> {
  const schema = resolveRef(raw, options.root ?? raw);
  const hinted = options.hint?.(path, schema);
  if (hinted) return hinted;
  if ("const" in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...schema.enum);
  for (const key of ["anyOf", "oneOf"] as const) {
    const branches = schema[key] as JsonSchema[] | undefined;
    if (!branches) continue;
    // Keywords beside the branches apply to every branch.
    const { [key]: _, ...rest } = schema;
    const arbitrary = fc.oneof(
      ...branches.map((b) =>
        arbitraryAt({ ...rest, ...resolveRef(b, options.root ?? b) }, path, options),
      ),
    );
    return arbitrary.filter((v) => validate(schema, v, options.root ?? schema).length === 0);
  }
  const types = schema.type === undefined ? [] : ([] as string[]).concat(schema.type as string);
  if (types.length > 1) {
    return fc.oneof(...types.map((type) => arbitraryAt({ ...schema, type }, path, options)));
  }
  switch (types[0]) {
    case "string":
      return stringArbitrary(schema);
    case "integer":
      return numberArbitrary(schema, true);
    case "number":
      return numberArbitrary(schema, false);
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "array": {
      const items = arbitraryAt((schema.items ?? {}) as JsonSchema, [...path, "[]"], options);
      const minLength = typeof schema.minItems === "number" ? schema.minItems : 0;
      const maxLength = typeof schema.maxItems === "number" ? schema.maxItems : minLength + 5;
      return schema.uniqueItems === true
        ? fc.uniqueArray(items, { minLength, maxLength, comparator: deepEqual })
        : fc.array(items, { minLength, maxLength });
    }
    case "object":
      return objectArbitrary(schema, path, options);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Values valid against `schema`: every generated value passes `validate(schema, …)`. */
export function arbitraryFor(
  schema: JsonSchema,
  options: ArbitraryOptions = {},
): fc.Arbitrary<unknown> {
  return arbitraryAt(schema, [], options);
}
