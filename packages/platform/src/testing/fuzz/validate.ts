/**
 * A JSON Schema (2020-12, the dialect of OpenAPI 3.1) validator for the subset the services'
 * documents use. The documents come over HTTP, so they are plain JSON: TypeBox's checker needs its
 * own symbols on every node and cannot read them. A keyword this does not know is an error, so a
 * document growing a new rule fails loudly instead of being checked less.
 */
export type JsonSchema = { [keyword: string]: unknown };

export interface SchemaError {
  /** JSON Pointer to the value (`""` for the root). */
  path: string;
  message: string;
}

/** Keywords that describe but never constrain. */
const ANNOTATIONS = new Set([
  "$schema",
  "$id",
  "$comment",
  "$defs",
  "definitions",
  "title",
  "description",
  "default",
  "examples",
  "example",
  "deprecated",
  "readOnly",
  "writeOnly",
  "noValidate",
  "contentEncoding",
  "contentMediaType",
]);

const CONSTRAINTS = new Set([
  "type",
  "enum",
  "const",
  "anyOf",
  "oneOf",
  "allOf",
  "not",
  "$ref",
  "minLength",
  "maxLength",
  "pattern",
  "format",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "properties",
  "required",
  "additionalProperties",
  "patternProperties",
  "minProperties",
  "maxProperties",
  "items",
  "minItems",
  "maxItems",
  "uniqueItems",
]);

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|([+-])(\d{2}):(\d{2}))$/;
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** RFC 3339 `date-time`: a full date, a full time and an offset with its colon. */
export function isDateTime(value: string): boolean {
  const m = DATE_TIME.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as number[];
  const leap = year! % 4 === 0 && (year! % 100 !== 0 || year! % 400 === 0);
  const days = month === 2 && leap ? 29 : DAYS[month! - 1];
  if (!days || day! < 1 || day! > days) return false;
  const offsetOk = !m[9] || (Number(m[10]) <= 23 && Number(m[11]) <= 59);
  return hour! <= 23 && minute! <= 59 && second! <= 60 && offsetOk;
}

const FORMATS: Record<string, (value: string) => boolean> = {
  "date-time": isDateTime,
  uuid: (v) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v),
  // ajv-formats' email, which is also what Elysia checks.
  email: (v) =>
    /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i.test(
      v,
    ),
  // Elysia documents numeric strings (query, form fields) as strings of format "integer".
  integer: (v) => /^-?\d+$/.test(v),
};

export const knownFormat = (format: string) => format in FORMATS;

const regexCache = new Map<string, RegExp>();
/** A schema `pattern` as ECMA-262 with the `u` flag, as JSON Schema says. */
export function patternOf(source: string): RegExp {
  let regex = regexCache.get(source);
  if (!regex) {
    regex = new RegExp(source, "u");
    regexCache.set(source, regex);
  }
  return regex;
}

/** Length in Unicode code points, as JSON Schema counts it. */
export const codePoints = (value: string) => {
  let n = 0;
  for (const _ of value) n++;
  return n;
};

export function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

export const deepEqual = (a: unknown, b: unknown): boolean => {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && deepEqual((a as never)[k], (b as never)[k]));
};

const pointer = (path: string, key: string | number) =>
  `${path}/${String(key).replaceAll("~", "~0").replaceAll("/", "~1")}`;

/** Resolves a local `$ref` (`#/components/schemas/X`) against `root`. */
export function resolveRef(schema: JsonSchema, root: unknown): JsonSchema {
  const ref = schema.$ref;
  if (typeof ref !== "string") return schema;
  if (!ref.startsWith("#/")) throw new Error(`Only local $ref are supported, not ${ref}`);
  let node: unknown = root;
  for (const part of ref.slice(2).split("/")) {
    node = (node as Record<string, unknown> | undefined)?.[
      part.replaceAll("~1", "/").replaceAll("~0", "~")
    ];
  }
  if (!node || typeof node !== "object") throw new Error(`Unresolved $ref ${ref}`);
  return resolveRef(node as JsonSchema, root);
}

/** Every way `value` breaks `schema` (empty when it matches). */
export function validate(
  schema: JsonSchema,
  value: unknown,
  root: unknown = schema,
): SchemaError[] {
  const errors: SchemaError[] = [];
  check(schema, value, "", root, errors);
  return errors;
}

function check(raw: JsonSchema, value: unknown, path: string, root: unknown, out: SchemaError[]) {
  const schema = resolveRef(raw, root);
  const fail = (message: string) => void out.push({ path, message });
  for (const keyword of Object.keys(schema)) {
    if (!ANNOTATIONS.has(keyword) && !CONSTRAINTS.has(keyword)) {
      throw new Error(`Unsupported JSON Schema keyword "${keyword}" at ${path || "/"}`);
    }
  }
  const type = jsonType(value);
  if (schema.type !== undefined) {
    const types = ([] as unknown[]).concat(schema.type);
    const ok = types.some((t) => t === type || (t === "number" && type === "integer"));
    if (!ok) return fail(`must be ${types.join(" or ")}, is ${type}`);
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => deepEqual(e, value))) {
    fail(`must be one of ${JSON.stringify(schema.enum)}`);
  }
  if ("const" in schema && !deepEqual(schema.const, value)) {
    fail(`must be ${JSON.stringify(schema.const)}`);
  }
  const branches = (key: string) => (schema[key] as JsonSchema[] | undefined) ?? [];
  const matches = (s: JsonSchema) => validate(s, value, root).length === 0;
  if (schema.anyOf && !branches("anyOf").some(matches)) fail("must match a schema of anyOf");
  if (schema.oneOf && branches("oneOf").filter(matches).length !== 1) {
    fail("must match exactly one schema of oneOf");
  }
  for (const sub of branches("allOf")) check(sub, value, path, root, out);
  if (schema.not && matches(schema.not as JsonSchema)) fail("must not match the `not` schema");

  if (typeof value === "string") checkString(schema, value, fail);
  else if (typeof value === "number") checkNumber(schema, value, fail);
  else if (Array.isArray(value)) {
    const n = value.length;
    if (typeof schema.minItems === "number" && n < schema.minItems) fail(`too few items`);
    if (typeof schema.maxItems === "number" && n > schema.maxItems) fail(`too many items`);
    if (
      schema.uniqueItems === true &&
      value.some((v, i) => value.findIndex((w) => deepEqual(v, w)) !== i)
    ) {
      fail("items must be unique");
    }
    if (schema.items && typeof schema.items === "object") {
      value.forEach(
        (item, i) => void check(schema.items as JsonSchema, item, pointer(path, i), root, out),
      );
    }
  } else if (type === "object")
    checkObject(schema, value as Record<string, unknown>, path, root, out);
}

function checkString(schema: JsonSchema, value: string, fail: (m: string) => void) {
  const length = codePoints(value);
  if (typeof schema.minLength === "number" && length < schema.minLength) {
    fail(`must be at least ${schema.minLength} characters`);
  }
  if (typeof schema.maxLength === "number" && length > schema.maxLength) {
    fail(`must be at most ${schema.maxLength} characters`);
  }
  if (typeof schema.pattern === "string" && !patternOf(schema.pattern).test(value)) {
    fail(`must match the pattern ${schema.pattern}`);
  }
  if (typeof schema.format === "string") {
    const format = FORMATS[schema.format];
    if (!format) throw new Error(`Unknown string format "${schema.format}"`);
    if (!format(value)) fail(`must be a ${schema.format}`);
  }
}

function checkNumber(schema: JsonSchema, value: number, fail: (m: string) => void) {
  const n = (k: string) => (typeof schema[k] === "number" ? (schema[k] as number) : undefined);
  const min = n("minimum");
  const max = n("maximum");
  const xmin = n("exclusiveMinimum");
  const xmax = n("exclusiveMaximum");
  const step = n("multipleOf");
  if (!Number.isFinite(value)) fail("must be finite");
  if (min !== undefined && value < min) fail(`must be at least ${min}`);
  if (max !== undefined && value > max) fail(`must be at most ${max}`);
  if (xmin !== undefined && value <= xmin) fail(`must be more than ${xmin}`);
  if (xmax !== undefined && value >= xmax) fail(`must be less than ${xmax}`);
  if (step !== undefined && !Number.isInteger(value / step)) fail(`must be a multiple of ${step}`);
}

function checkObject(
  schema: JsonSchema,
  value: Record<string, unknown>,
  path: string,
  root: unknown,
  out: SchemaError[],
) {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const patterns = Object.entries((schema.patternProperties ?? {}) as Record<string, JsonSchema>);
  const keys = Object.keys(value);
  if (typeof schema.minProperties === "number" && keys.length < schema.minProperties) {
    out.push({ path, message: `must have at least ${schema.minProperties} properties` });
  }
  if (typeof schema.maxProperties === "number" && keys.length > schema.maxProperties) {
    out.push({ path, message: `must have at most ${schema.maxProperties} properties` });
  }
  for (const name of (schema.required ?? []) as string[]) {
    if (!Object.hasOwn(value, name))
      out.push({ path: pointer(path, name), message: "is required" });
  }
  for (const key of keys) {
    const at = pointer(path, key);
    let known = false;
    if (Object.hasOwn(properties, key)) {
      known = true;
      check(properties[key]!, value[key], at, root, out);
    }
    for (const [source, sub] of patterns) {
      if (!patternOf(source).test(key)) continue;
      known = true;
      check(sub, value[key], at, root, out);
    }
    if (known) continue;
    const extra = schema.additionalProperties;
    if (extra === false) out.push({ path: at, message: "is not a documented property" });
    else if (extra && typeof extra === "object")
      check(extra as JsonSchema, value[key], at, root, out);
  }
}
