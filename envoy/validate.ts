/**
 * Strict validator for Envoy bootstrap files (v3 API), without Envoy.
 *
 * Envoy cannot be installed here, so `envoy --mode validate` is not available. Instead the YAML is
 * walked against Envoy's own v3 protos, which `@grpc/grpc-js-xds` ships under `deps/`. protobufjs
 * alone is lenient (it drops unknown fields silently), so the walk is done by hand:
 *
 * - unknown field → error with its path (snake_case and lowerCamelCase names are accepted, as in
 *   Envoy), plus a "did you mean" suggestion; the same field given under both names → error;
 * - scalars are type-checked (int/uint ranges, 64-bit integers as numbers or strings, booleans,
 *   strings, bytes as base64), enums by name or number;
 * - well-known types take their JSON forms: Duration ("1.5s"), Timestamp (RFC 3339), wrappers
 *   (the bare value), Struct/Value/ListValue, FieldMask, Empty;
 * - google.protobuf.Any is resolved through `@type` (and xds/udpa TypedStruct through `type_url`)
 *   and recursed into; an unresolvable type URL is an error;
 * - oneof conflicts are errors, and so is an empty oneof marked `(validate.required)`;
 * - a subset of the protoc-gen-validate rules Envoy enforces at load time: message/duration/any
 *   `required`, string length/prefix/const/in, numeric gt/gte/lt/lte/const/in, duration bounds,
 *   repeated min/max items (+ item rules), map min/max pairs, enum in/not_in;
 * - deprecated fields are reported as warnings.
 *
 * Only the protos reachable from `envoy.config.bootstrap.v3.Bootstrap` plus the files declaring the
 * `@type`s used in the document are loaded (≈200 ms).
 *
 * CLI: `bun envoy/validate.ts [envoy/envoy.yaml]` prints the findings and exits 1 on any error.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import protobuf from "protobufjs";
import { parseDocument } from "yaml";

export interface Issue {
  /** JSON-style path into the document, e.g. `static_resources.clusters[0].lb_policy`. */
  path: string;
  message: string;
}

export interface ValidationResult {
  errors: Issue[];
  warnings: Issue[];
  /** The parsed document (plain JSON values), or undefined when the YAML did not parse. */
  config: unknown;
}

export const BOOTSTRAP_TYPE = "envoy.config.bootstrap.v3.Bootstrap";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
type Rules = Record<string, unknown>;

const requireFromHere = createRequire(import.meta.url);
const XDS_DEPS = join(dirname(requireFromHere.resolve("@grpc/grpc-js-xds/package.json")), "deps");
const PROTOBUFJS_DIR = dirname(requireFromHere.resolve("protobufjs/package.json"));
/** Include roots, in the order protoc would search them. */
export const PROTO_ROOTS = [
  join(XDS_DEPS, "envoy-api"),
  join(XDS_DEPS, "xds"),
  join(XDS_DEPS, "googleapis"),
  join(XDS_DEPS, "protoc-gen-validate"),
  PROTOBUFJS_DIR,
];

/** Well-known types protobufjs carries itself (no file on disk needed). */
const WKT_FILES: Record<string, string> = {
  "google.protobuf.Any": "google/protobuf/any.proto",
  "google.protobuf.Duration": "google/protobuf/duration.proto",
  "google.protobuf.Timestamp": "google/protobuf/timestamp.proto",
  "google.protobuf.Empty": "google/protobuf/empty.proto",
  "google.protobuf.Struct": "google/protobuf/struct.proto",
  "google.protobuf.Value": "google/protobuf/struct.proto",
  "google.protobuf.ListValue": "google/protobuf/struct.proto",
  "google.protobuf.FieldMask": "google/protobuf/field_mask.proto",
};
const WRAPPERS = [
  "DoubleValue",
  "FloatValue",
  "Int64Value",
  "UInt64Value",
  "Int32Value",
  "UInt32Value",
  "BoolValue",
  "StringValue",
  "BytesValue",
];
for (const w of WRAPPERS) WKT_FILES[`google.protobuf.${w}`] = "google/protobuf/wrappers.proto";

/** Types whose JSON form is not an object with fields: inside an Any they sit under `value`. */
const SPECIAL_JSON_TYPES = new Set([
  "google.protobuf.Duration",
  "google.protobuf.Timestamp",
  "google.protobuf.Struct",
  "google.protobuf.Value",
  "google.protobuf.ListValue",
  "google.protobuf.FieldMask",
  ...WRAPPERS.map((w) => `google.protobuf.${w}`),
]);

const TYPED_STRUCTS = new Set(["xds.type.v3.TypedStruct", "udpa.type.v1.TypedStruct"]);

// ---------------------------------------------------------------------------------------------
// Loading the protos

let root: protobuf.Root | undefined;
const loadedFiles = new Set<string>();
const fileIndexCache = new Map<string, string | null>();

function newRoot(): protobuf.Root {
  const r = new protobuf.Root();
  r.resolvePath = (_origin, target) => {
    if (target.startsWith("google/protobuf/") && target in protobuf.common) return target;
    for (const dir of PROTO_ROOTS) {
      const candidate = join(dir, target);
      if (isFile(candidate)) return candidate;
    }
    return target; // protobufjs reports the missing file
  };
  return r;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function ensureFiles(files: string[]): protobuf.Root {
  root ??= newRoot();
  const missing = files.filter((f) => !loadedFiles.has(f));
  if (missing.length > 0) {
    try {
      root.loadSync(missing, { keepCase: true });
      root.resolveAll();
    } catch (error) {
      // A failed load can leave unresolvable types behind: rebuild from the files that loaded.
      root = newRoot();
      if (loadedFiles.size > 0) {
        root.loadSync([...loadedFiles], { keepCase: true });
        root.resolveAll();
      }
      throw error;
    }
    for (const f of missing) loadedFiles.add(f);
  }
  return root;
}

/**
 * Finds the .proto file (relative to an include root) that declares a fully-qualified type, using
 * Envoy's package ↔ directory convention: `envoy.extensions.filters.http.router.v3.Router` lives in
 * a file under `envoy/extensions/filters/http/router/v3/` that declares `message Router`.
 */
export function protoFileForType(typeName: string): string | undefined {
  const wkt = WKT_FILES[typeName];
  if (wkt) return wkt;
  const cached = fileIndexCache.get(typeName);
  if (cached !== undefined) return cached ?? undefined;
  let found: string | null = null;
  const parts = typeName.split(".");
  search: for (let i = parts.length - 1; i >= 1; i--) {
    const relDir = parts.slice(0, i).join("/");
    const topLevel = parts[i];
    const declaration = new RegExp(`^(?:message|enum)\\s+${topLevel}\\s*\\{`, "m");
    const pkg = new RegExp(`^package\\s+${parts.slice(0, i).join("\\.")}\\s*;`, "m");
    for (const base of PROTO_ROOTS) {
      const dir = join(base, relDir);
      if (!isDir(dir)) continue;
      for (const name of readdirSync(dir).sort()) {
        if (!name.endsWith(".proto")) continue;
        const text = readFileSync(join(dir, name), "utf8");
        if (pkg.test(text) && declaration.test(text)) {
          found = `${relDir}/${name}`;
          break search;
        }
      }
    }
  }
  fileIndexCache.set(typeName, found);
  return found ?? undefined;
}

/** Resolves a fully-qualified message type, loading its file on demand. */
function lookupMessage(typeName: string): protobuf.Type | undefined {
  const r = ensureFiles([]);
  const existing = r.lookup(typeName);
  if (existing instanceof protobuf.Type) return existing;
  const file = protoFileForType(typeName);
  if (!file) return undefined;
  try {
    ensureFiles([file]);
  } catch {
    return undefined; // the file imports something not shipped (e.g. opencensus protos)
  }
  const loaded = r.lookup(typeName);
  return loaded instanceof protobuf.Type ? loaded : undefined;
}

/** Collects every `@type` / TypedStruct `type_url` in a document, so their files load up front. */
function collectTypeUrls(value: unknown, out: Set<string>): void {
  if (Array.isArray(value)) {
    for (const v of value) collectTypeUrls(v, out);
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if ((k === "@type" || k === "type_url" || k === "typeUrl") && typeof v === "string") {
        out.add(typeNameFromUrl(v));
      } else {
        collectTypeUrls(v, out);
      }
    }
  }
}

function typeNameFromUrl(url: string): string {
  return url.slice(url.lastIndexOf("/") + 1);
}

// ---------------------------------------------------------------------------------------------
// The walk

const camel = (snake: string) => snake.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function fullName(t: protobuf.ReflectionObject): string {
  return t.fullName.replace(/^\./, "");
}

function isPlainObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function childPath(path: string, key: string): string {
  if (/^[A-Za-z_@][\w@]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

function levenshtein(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

function suggest(name: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const c of candidates) {
    const d = levenshtein(name.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** The `(validate.rules)` of a field as a plain object, e.g. `{ string: { min_len: 1 } }`. */
function fieldRules(field: protobuf.Field): Rules | undefined {
  const parsed = (field as unknown as { parsedOptions?: Record<string, unknown>[] }).parsedOptions;
  if (!parsed) return undefined;
  let rules: Rules | undefined;
  for (const opt of parsed) {
    const r = opt["(validate.rules)"];
    if (isPlainObject(r)) rules = { ...rules, ...r };
  }
  return rules;
}

function isSyntheticOneof(oneof: protobuf.OneOf): boolean {
  return oneof.fieldsArray.length === 1 && oneof.name === `_${oneof.fieldsArray[0]!.name}`;
}

const INT_RANGES: Record<string, [bigint, bigint]> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  sint32: [-(2n ** 31n), 2n ** 31n - 1n],
  sfixed32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  fixed32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  sint64: [-(2n ** 63n), 2n ** 63n - 1n],
  sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  fixed64: [0n, 2n ** 64n - 1n],
};

const DURATION_RE = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/;
const TIMESTAMP_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const MAX_DURATION_SECONDS = 315_576_000_000n;

/** Duration in nanoseconds (bigint), or undefined when malformed. */
function parseDuration(text: string): bigint | undefined {
  const m = DURATION_RE.exec(text);
  if (!m) return undefined;
  const seconds = BigInt(m[2]!);
  if (seconds > MAX_DURATION_SECONDS) return undefined;
  const nanos = BigInt((m[3] ?? "").padEnd(9, "0") || "0");
  const total = seconds * 1_000_000_000n + nanos;
  return m[1] ? -total : total;
}

function ruleDurationNanos(rule: unknown): bigint {
  if (!isPlainObject(rule)) return 0n;
  const seconds = BigInt(Number(rule.seconds ?? 0));
  const nanos = BigInt(Number(rule.nanos ?? 0));
  return seconds * 1_000_000_000n + nanos;
}

class Walker {
  errors: Issue[] = [];
  warnings: Issue[] = [];

  error(path: string, message: string) {
    this.errors.push({ path, message });
  }

  warn(path: string, message: string) {
    this.warnings.push({ path, message });
  }

  message(type: protobuf.Type, value: Json | undefined, path: string): void {
    if (value === null || value === undefined) return;
    const name = fullName(type);
    if (this.wellKnown(name, type, value, path)) return;
    if (!isPlainObject(value)) {
      this.error(path, `expected an object for ${name}, got ${describe(value)}`);
      return;
    }
    const byName = new Map<string, protobuf.Field>();
    for (const f of type.fieldsArray) {
      byName.set(f.name, f);
      const json = (f.options?.json_name as string | undefined) ?? camel(f.name);
      if (!byName.has(json)) byName.set(json, f);
    }
    const present = new Map<protobuf.Field, string>();
    for (const [key, v] of Object.entries(value)) {
      const p = childPath(path, key);
      const field = byName.get(key);
      if (!field) {
        const candidates = type.fieldsArray.map((f) => f.name);
        const hint = suggest(key, [...candidates, ...candidates.map(camel)]);
        this.error(
          p,
          `unknown field "${key}" in ${name}${hint ? ` (did you mean "${hint}"?)` : ""}`,
        );
        continue;
      }
      const earlier = present.get(field);
      if (earlier !== undefined) {
        this.error(p, `field "${field.name}" is set twice (as "${earlier}" and "${key}")`);
        continue;
      }
      present.set(field, key);
      if (field.options?.deprecated === true) {
        const since = field.options["(envoy.annotations.deprecated_at_minor_version)"];
        this.warn(p, `field "${field.name}" is deprecated${since ? ` (since ${since})` : ""}`);
      }
      this.field(field, v, p);
    }

    // oneofs
    const setFields = new Set(
      [...present.entries()].filter(([f]) => value[present.get(f)!] !== null).map(([f]) => f),
    );
    for (const oneof of type.oneofsArray) {
      if (isSyntheticOneof(oneof)) continue;
      const members = oneof.fieldsArray.filter((f) => setFields.has(f));
      if (members.length > 1) {
        this.error(
          path,
          `oneof "${oneof.name}" in ${name} has several members set: ${members.map((f) => f.name).join(", ")}`,
        );
      } else if (members.length === 0 && oneof.options?.["(validate.required)"] === true) {
        this.error(
          path,
          `oneof "${oneof.name}" in ${name} is required: set one of ${oneof.fieldsArray.map((f) => f.name).join(", ")}`,
        );
      }
    }

    // protoc-gen-validate rules on absent fields (proto3 defaults are validated too)
    for (const field of type.fieldsArray) {
      if (setFields.has(field)) continue;
      const rules = fieldRules(field);
      if (!rules) continue;
      const p = childPath(path, field.name);
      const inOneof = field.partOf !== null && field.partOf !== undefined;
      if (inOneof) continue; // PGV only validates the member that is set
      if (field.map) {
        const min = numberRule(rules.map, "min_pairs");
        if (min !== undefined && min > 0) this.error(p, `at least ${min} entries required`);
      } else if (field.repeated) {
        const min = numberRule(rules.repeated, "min_items");
        if (min !== undefined && min > 0) this.error(p, `at least ${min} items required`);
      } else if (field.resolvedType instanceof protobuf.Type) {
        const kind = Object.keys(rules)[0];
        const body = kind ? rules[kind] : undefined;
        if (
          (isPlainObject(rules.message) && rules.message.required === true) ||
          (isPlainObject(body) && body.required === true)
        ) {
          this.error(p, `field "${field.name}" is required in ${name}`);
        }
      } else if (field.resolvedType instanceof protobuf.Enum) {
        // default value 0 is always defined in proto3 enums
      } else {
        this.scalarRules(field.type, defaultScalar(field.type), rules, p);
      }
    }
  }

  field(field: protobuf.Field, value: Json, path: string): void {
    const rules = fieldRules(field);
    if (value === null) return;
    if (field instanceof protobuf.MapField) {
      if (!isPlainObject(value)) {
        this.error(
          path,
          `expected a map (object) for field "${field.name}", got ${describe(value)}`,
        );
        return;
      }
      const n = Object.keys(value).length;
      const min = numberRule(rules?.map, "min_pairs");
      const max = numberRule(rules?.map, "max_pairs");
      if (min !== undefined && n < min) this.error(path, `at least ${min} entries required`);
      if (max !== undefined && n > max) this.error(path, `at most ${max} entries allowed`);
      for (const [k, v] of Object.entries(value)) {
        const p = childPath(path, k);
        if (field.keyType !== "string") this.scalar(field.keyType, k, p, true);
        this.single(field, v, p, undefined);
      }
      return;
    }
    if (field.repeated) {
      if (!Array.isArray(value)) {
        this.error(
          path,
          `expected a list for repeated field "${field.name}", got ${describe(value)}`,
        );
        return;
      }
      const repeatedRules = isPlainObject(rules?.repeated) ? (rules.repeated as Rules) : undefined;
      const min = numberRule(repeatedRules, "min_items");
      const max = numberRule(repeatedRules, "max_items");
      if (min !== undefined && value.length < min)
        this.error(path, `at least ${min} items required`);
      if (max !== undefined && value.length > max) this.error(path, `at most ${max} items allowed`);
      if (repeatedRules?.unique === true) {
        const seen = new Set(value.map((v) => JSON.stringify(v)));
        if (seen.size !== value.length) this.error(path, "items must be unique");
      }
      const itemRules = isPlainObject(repeatedRules?.items)
        ? (repeatedRules.items as Rules)
        : undefined;
      value.forEach((v, i) => {
        this.single(field, v, `${path}[${i}]`, itemRules);
      });
      return;
    }
    this.single(field, value, path, rules);
  }

  single(field: protobuf.Field, value: Json, path: string, rules: Rules | undefined): void {
    if (value === null) return;
    const t = field.resolvedType;
    if (t instanceof protobuf.Type) {
      this.message(t, value, path);
      this.messageRules(fullName(t), value, rules, path);
    } else if (t instanceof protobuf.Enum) {
      this.enumValue(t, value, path, rules);
    } else if (this.scalar(field.type, value, path, false) && rules) {
      this.scalarRules(field.type, value, rules, path);
    }
  }

  enumValue(e: protobuf.Enum, value: Json, path: string, rules: Rules | undefined): void {
    let name: string | undefined;
    if (typeof value === "string") {
      if (!(value in e.values)) {
        const hint = suggest(value, Object.keys(e.values));
        this.error(
          path,
          `invalid value "${value}" for enum ${fullName(e)}${hint ? ` (did you mean "${hint}"?)` : ""}; allowed: ${Object.keys(e.values).join(", ")}`,
        );
        return;
      }
      name = value;
    } else if (typeof value === "number" && Number.isInteger(value)) {
      name = e.valuesById[value];
      if (name === undefined) {
        this.error(path, `invalid number ${value} for enum ${fullName(e)}`);
        return;
      }
    } else {
      this.error(path, `expected an enum name of ${fullName(e)}, got ${describe(value)}`);
      return;
    }
    const valueOptions = (
      e as unknown as { valuesOptions?: Record<string, Record<string, unknown>> }
    ).valuesOptions?.[name];
    if (valueOptions?.deprecated === true) this.warn(path, `enum value ${name} is deprecated`);
    const enumRules = isPlainObject(rules?.enum) ? (rules.enum as Rules) : undefined;
    const number = e.values[name]!;
    if (Array.isArray(enumRules?.in) && !enumRules.in.includes(number)) {
      this.error(path, `enum value ${name} is not allowed here`);
    }
    if (Array.isArray(enumRules?.not_in) && enumRules.not_in.includes(number)) {
      this.error(path, `enum value ${name} is not allowed here`);
    }
  }

  /** Returns true when the value has the right JSON type for the scalar. */
  scalar(type: string, value: Json, path: string, isMapKey: boolean): boolean {
    switch (type) {
      case "string":
        if (typeof value !== "string") {
          this.error(path, `expected a string, got ${describe(value)}`);
          return false;
        }
        return true;
      case "bool":
        if (typeof value === "boolean") return true;
        if (isMapKey && (value === "true" || value === "false")) return true;
        this.error(path, `expected a boolean, got ${describe(value)}`);
        return false;
      case "double":
      case "float":
        if (typeof value === "number") return true;
        if (
          typeof value === "string" &&
          /^(-?\d+(\.\d+)?([eE][-+]?\d+)?|NaN|-?Infinity)$/.test(value)
        ) {
          return true;
        }
        this.error(path, `expected a number (${type}), got ${describe(value)}`);
        return false;
      case "bytes":
        if (typeof value === "string" && /^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) return true;
        this.error(path, `expected base64 bytes, got ${describe(value)}`);
        return false;
      default: {
        const range = INT_RANGES[type];
        if (!range) {
          this.error(path, `unsupported scalar type ${type}`);
          return false;
        }
        let n: bigint | undefined;
        if (typeof value === "number" && Number.isInteger(value)) n = BigInt(value);
        else if (typeof value === "string" && /^-?\d+$/.test(value)) n = BigInt(value);
        if (n === undefined) {
          this.error(path, `expected an integer (${type}), got ${describe(value)}`);
          return false;
        }
        if (n < range[0] || n > range[1]) {
          this.error(path, `integer ${n} out of range for ${type}`);
          return false;
        }
        return true;
      }
    }
  }

  scalarRules(type: string, value: Json, rules: Rules, path: string): void {
    if (type === "string" && typeof value === "string") {
      const r = isPlainObject(rules.string) ? (rules.string as Rules) : undefined;
      if (!r) return;
      const len = [...value].length;
      const minLen = numberRule(r, "min_len");
      const maxLen = numberRule(r, "max_len");
      const minBytes = numberRule(r, "min_bytes");
      const maxBytes = numberRule(r, "max_bytes");
      const bytes = Buffer.byteLength(value);
      if (minLen !== undefined && len < minLen) {
        this.error(path, `value length must be at least ${minLen} characters`);
      }
      if (maxLen !== undefined && len > maxLen) {
        this.error(path, `value length must be at most ${maxLen} characters`);
      }
      if (minBytes !== undefined && bytes < minBytes) {
        this.error(path, `value must be at least ${minBytes} bytes`);
      }
      if (maxBytes !== undefined && bytes > maxBytes) {
        this.error(path, `value must be at most ${maxBytes} bytes`);
      }
      if (typeof r.prefix === "string" && !value.startsWith(r.prefix)) {
        this.error(path, `value must start with "${r.prefix}"`);
      }
      if (typeof r.const === "string" && value !== r.const) {
        this.error(path, `value must be "${r.const}"`);
      }
      if (Array.isArray(r.in) && !r.in.includes(value)) {
        this.error(path, `value must be one of ${r.in.join(", ")}`);
      }
      if (Array.isArray(r.not_in) && r.not_in.includes(value)) {
        this.error(path, `value must not be one of ${r.not_in.join(", ")}`);
      }
      if (r.well_known_regex === "HTTP_HEADER_NAME" && r.strict !== false && value !== "") {
        if (!/^:?[0-9a-zA-Z!#$%&'*+\-.^_|~`]+$/.test(value)) {
          this.error(path, "value must be a valid HTTP header name");
        }
      }
      return;
    }
    if (type === "bool" && typeof value === "boolean") {
      const r = isPlainObject(rules.bool) ? (rules.bool as Rules) : undefined;
      if (r && typeof r.const === "boolean" && value !== r.const) {
        this.error(path, `value must be ${r.const}`);
      }
      return;
    }
    const r = isPlainObject(rules[type]) ? (rules[type] as Rules) : undefined;
    if (!r || (typeof value !== "number" && typeof value !== "string")) return;
    const n = Number(value);
    const check = (op: string, ok: (bound: number) => boolean, text: string) => {
      const bound = r[op];
      if (typeof bound === "number" || typeof bound === "string") {
        if (!ok(Number(bound))) this.error(path, `value must be ${text} ${bound}`);
      }
    };
    check("gt", (b) => n > b, "greater than");
    check("gte", (b) => n >= b, "greater than or equal to");
    check("lt", (b) => n < b, "less than");
    check("lte", (b) => n <= b, "less than or equal to");
    check("const", (b) => n === b, "equal to");
    if (Array.isArray(r.in) && !r.in.map(Number).includes(n)) {
      this.error(path, `value must be one of ${r.in.join(", ")}`);
    }
  }

  /** Rules on message-typed fields: wrappers take the scalar rules, Duration/Any their own. */
  messageRules(typeName: string, value: Json, rules: Rules | undefined, path: string): void {
    if (!rules) return;
    if (typeName === "google.protobuf.Duration" && typeof value === "string") {
      const r = isPlainObject(rules.duration) ? (rules.duration as Rules) : undefined;
      const nanos = parseDuration(value);
      if (!r || nanos === undefined) return;
      const cmp = (op: string, ok: (bound: bigint) => boolean, text: string) => {
        if (op in r && !ok(ruleDurationNanos(r[op]))) {
          this.error(path, `duration must be ${text} ${Number(ruleDurationNanos(r[op])) / 1e9}s`);
        }
      };
      cmp("gt", (b) => nanos > b, "greater than");
      cmp("gte", (b) => nanos >= b, "greater than or equal to");
      cmp("lt", (b) => nanos < b, "less than");
      cmp("lte", (b) => nanos <= b, "less than or equal to");
      return;
    }
    if (typeName.startsWith("google.protobuf.") && WRAPPERS.includes(typeName.slice(16))) {
      const scalarType = wrapperScalar(typeName);
      this.scalarRules(scalarType, value, rules, path);
    }
  }

  /** Handles well-known types; returns true when `typeName` was one of them. */
  wellKnown(typeName: string, type: protobuf.Type, value: Json, path: string): boolean {
    switch (typeName) {
      case "google.protobuf.Any":
        this.any(value, path);
        return true;
      case "google.protobuf.Duration":
        if (typeof value !== "string" || parseDuration(value) === undefined) {
          this.error(path, `expected a duration like "1.5s", got ${describe(value)}`);
        }
        return true;
      case "google.protobuf.Timestamp":
        if (typeof value !== "string" || !TIMESTAMP_RE.test(value)) {
          this.error(path, `expected an RFC 3339 timestamp, got ${describe(value)}`);
        }
        return true;
      case "google.protobuf.Struct":
        if (!isPlainObject(value)) this.error(path, `expected an object, got ${describe(value)}`);
        return true;
      case "google.protobuf.Value":
        return true;
      case "google.protobuf.ListValue":
        if (!Array.isArray(value)) this.error(path, `expected a list, got ${describe(value)}`);
        return true;
      case "google.protobuf.FieldMask":
        if (typeof value !== "string") this.error(path, `expected a field mask string`);
        return true;
      default:
        if (WRAPPERS.includes(typeName.replace(/^google\.protobuf\./, "")) && type.fields.value) {
          if (isPlainObject(value)) {
            this.error(path, `${typeName} takes the bare value in YAML/JSON, not an object`);
          } else {
            this.scalar(type.fields.value.type, value, path, false);
          }
          return true;
        }
        return false;
    }
  }

  any(value: Json, path: string): void {
    if (!isPlainObject(value)) {
      this.error(
        path,
        `expected an object with "@type" (google.protobuf.Any), got ${describe(value)}`,
      );
      return;
    }
    const url = value["@type"];
    if (typeof url !== "string" || !url.includes("/")) {
      this.error(
        childPath(path, "@type"),
        `google.protobuf.Any needs "@type": "type.googleapis.com/<type>"`,
      );
      return;
    }
    const typeName = typeNameFromUrl(url);
    const type = lookupMessage(typeName);
    if (!type) {
      const file = protoFileForType(typeName);
      this.error(
        childPath(path, "@type"),
        file
          ? `unresolvable type_url ${url} (${file} imports protos not shipped with @grpc/grpc-js-xds)`
          : `unresolvable type_url ${url}`,
      );
      return;
    }
    if (SPECIAL_JSON_TYPES.has(typeName)) {
      const extra = Object.keys(value).filter((k) => k !== "@type" && k !== "value");
      for (const k of extra)
        this.error(childPath(path, k), `unknown field "${k}" in Any(${typeName})`);
      this.message(type, value.value ?? null, childPath(path, "value"));
      return;
    }
    const { "@type": _ignored, ...rest } = value;
    this.message(type, rest, path);
    if (TYPED_STRUCTS.has(typeName)) {
      const inner = (rest.type_url ?? rest.typeUrl) as Json | undefined;
      if (typeof inner === "string") {
        const innerType = lookupMessage(typeNameFromUrl(inner));
        if (!innerType) this.error(childPath(path, "type_url"), `unresolvable type_url ${inner}`);
        else this.message(innerType, (rest.value ?? {}) as Json, childPath(path, "value"));
      }
    }
  }
}

function numberRule(rules: unknown, key: string): number | undefined {
  if (!isPlainObject(rules)) return undefined;
  const v = rules[key];
  if (typeof v === "number") return v;
  if (typeof v === "string" && /^\d+$/.test(v)) return Number(v);
  return undefined;
}

function defaultScalar(type: string): Json {
  if (type === "string" || type === "bytes") return "";
  if (type === "bool") return false;
  return 0;
}

function wrapperScalar(typeName: string): string {
  const map: Record<string, string> = {
    DoubleValue: "double",
    FloatValue: "float",
    Int64Value: "int64",
    UInt64Value: "uint64",
    Int32Value: "int32",
    UInt32Value: "uint32",
    BoolValue: "bool",
    StringValue: "string",
    BytesValue: "bytes",
  };
  return map[typeName.replace(/^google\.protobuf\./, "")] ?? "string";
}

function describe(v: Json | undefined): string {
  if (v === null || v === undefined) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  return `${typeof v} ${JSON.stringify(v)}`;
}

// ---------------------------------------------------------------------------------------------
// Public API

/** Validates an already parsed document against a message type (Bootstrap by default). */
export function validateEnvoyConfig(config: unknown, rootType = BOOTSTRAP_TYPE): ValidationResult {
  const urls = new Set<string>();
  collectTypeUrls(config, urls);
  const files = new Set<string>(["envoy/config/bootstrap/v3/bootstrap.proto"]);
  const rootFile = protoFileForType(rootType);
  if (rootFile) files.add(rootFile);
  for (const name of urls) {
    const f = protoFileForType(name);
    if (f) files.add(f);
  }
  // Load the bootstrap closure first; then the typed_config files one by one so that a file with
  // unshipped imports only makes its own type unresolvable.
  ensureFiles(["envoy/config/bootstrap/v3/bootstrap.proto"]);
  for (const f of files) {
    try {
      ensureFiles([f]);
    } catch {
      // reported as "unresolvable type_url" when reached
    }
  }
  const walker = new Walker();
  const type = lookupMessage(rootType);
  if (!type) throw new Error(`cannot load ${rootType}`);
  if (!isPlainObject(config as Json)) {
    walker.error("", `expected a mapping at the top level, got ${describe(config as Json)}`);
  } else {
    walker.message(type, config as Json, "");
  }
  return { errors: walker.errors, warnings: walker.warnings, config };
}

/** Parses YAML strictly (duplicate keys and YAML errors are reported) and validates it. */
export function validateEnvoyYaml(text: string, rootType = BOOTSTRAP_TYPE): ValidationResult {
  const doc = parseDocument(text, { uniqueKeys: true, merge: false, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      errors: doc.errors.map((e) => ({
        path: `line ${e.linePos?.[0]?.line ?? "?"}`,
        message: e.message,
      })),
      warnings: [],
      config: undefined,
    };
  }
  const config = doc.toJS({ maxAliasCount: 100 }) as unknown;
  return validateEnvoyConfig(config, rootType);
}

export function formatIssues(result: ValidationResult): string {
  const lines = [
    ...result.errors.map((e) => `error   ${e.path || "(root)"}: ${e.message}`),
    ...result.warnings.map((w) => `warning ${w.path || "(root)"}: ${w.message}`),
  ];
  return lines.join("\n");
}

if (import.meta.main) {
  const file = process.argv[2] ?? join(dirname(new URL(import.meta.url).pathname), "envoy.yaml");
  const result = validateEnvoyYaml(readFileSync(file, "utf8"));
  const text = formatIssues(result);
  if (text) console.log(text);
  console.log(`${file}: ${result.errors.length} error(s), ${result.warnings.length} warning(s)`);
  process.exit(result.errors.length > 0 ? 1 : 0);
}
