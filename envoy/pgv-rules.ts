/**
 * The subset of protoc-gen-validate rules (`(validate.rules)` on a field) that Envoy enforces at load
 * time and the validator checks: message/duration/any `required`, string length/prefix/const/in,
 * numeric gt/gte/lt/lte/const/in, duration bounds, repeated min/max items (+ item rules), map
 * min/max pairs, enum in/not_in. Each check reports through the walker's `error`.
 */
import protobuf from "protobufjs";
import {
  childPath,
  isPlainObject,
  type Json,
  parseDuration,
  type Report,
  wrapperScalar,
} from "./proto-json.ts";
import { WRAPPERS } from "./protos.ts";

export type Rules = Record<string, unknown>;

/** The `(validate.rules)` of a field as a plain object, e.g. `{ string: { min_len: 1 } }`. */
export function fieldRules(field: protobuf.Field): Rules | undefined {
  const parsed = (field as unknown as { parsedOptions?: Record<string, unknown>[] }).parsedOptions;
  if (!parsed) return undefined;
  let rules: Rules | undefined;
  for (const opt of parsed) {
    const r = opt["(validate.rules)"];
    if (isPlainObject(r)) rules = { ...rules, ...r };
  }
  return rules;
}

function numberRule(rules: unknown, key: string): number | undefined {
  if (!isPlainObject(rules)) return undefined;
  const v = rules[key];
  if (typeof v === "number") return v;
  if (typeof v === "string" && /^\d+$/.test(v)) return Number(v);
  return undefined;
}

function ruleDurationNanos(rule: unknown): bigint {
  if (!isPlainObject(rule)) return 0n;
  const seconds = BigInt(Number(rule.seconds ?? 0));
  const nanos = BigInt(Number(rule.nanos ?? 0));
  return seconds * 1_000_000_000n + nanos;
}

function defaultScalar(type: string): Json {
  if (type === "string" || type === "bytes") return "";
  if (type === "bool") return false;
  return 0;
}

/** Map `min_pairs`/`max_pairs` for a map of `n` entries. */
export function checkMapRules(
  rules: Rules | undefined,
  n: number,
  path: string,
  error: Report,
): void {
  const min = numberRule(rules?.map, "min_pairs");
  const max = numberRule(rules?.map, "max_pairs");
  if (min !== undefined && n < min) error(path, `at least ${min} entries required`);
  if (max !== undefined && n > max) error(path, `at most ${max} entries allowed`);
}

/** `min_items`/`max_items`/`unique` of a list; the item rules are applied by the walk per item. */
export function checkRepeatedRules(
  repeatedRules: Rules | undefined,
  value: Json[],
  path: string,
  error: Report,
): void {
  const min = numberRule(repeatedRules, "min_items");
  const max = numberRule(repeatedRules, "max_items");
  if (min !== undefined && value.length < min) error(path, `at least ${min} items required`);
  if (max !== undefined && value.length > max) error(path, `at most ${max} items allowed`);
  if (repeatedRules?.unique === true) {
    const seen = new Set(value.map((v) => JSON.stringify(v)));
    if (seen.size !== value.length) error(path, "items must be unique");
  }
}

export function checkEnumRules(
  rules: Rules | undefined,
  name: string,
  number: number,
  path: string,
  error: Report,
): void {
  const enumRules = isPlainObject(rules?.enum) ? (rules.enum as Rules) : undefined;
  if (Array.isArray(enumRules?.in) && !enumRules.in.includes(number)) {
    error(path, `enum value ${name} is not allowed here`);
  }
  if (Array.isArray(enumRules?.not_in) && enumRules.not_in.includes(number)) {
    error(path, `enum value ${name} is not allowed here`);
  }
}

export function checkScalarRules(
  type: string,
  value: Json,
  rules: Rules,
  path: string,
  error: Report,
): void {
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
      error(path, `value length must be at least ${minLen} characters`);
    }
    if (maxLen !== undefined && len > maxLen) {
      error(path, `value length must be at most ${maxLen} characters`);
    }
    if (minBytes !== undefined && bytes < minBytes) {
      error(path, `value must be at least ${minBytes} bytes`);
    }
    if (maxBytes !== undefined && bytes > maxBytes) {
      error(path, `value must be at most ${maxBytes} bytes`);
    }
    if (typeof r.prefix === "string" && !value.startsWith(r.prefix)) {
      error(path, `value must start with "${r.prefix}"`);
    }
    if (typeof r.const === "string" && value !== r.const) {
      error(path, `value must be "${r.const}"`);
    }
    if (Array.isArray(r.in) && !r.in.includes(value)) {
      error(path, `value must be one of ${r.in.join(", ")}`);
    }
    if (Array.isArray(r.not_in) && r.not_in.includes(value)) {
      error(path, `value must not be one of ${r.not_in.join(", ")}`);
    }
    if (r.well_known_regex === "HTTP_HEADER_NAME" && r.strict !== false && value !== "") {
      if (!/^:?[0-9a-zA-Z!#$%&'*+\-.^_|~`]+$/.test(value)) {
        error(path, "value must be a valid HTTP header name");
      }
    }
    return;
  }
  if (type === "bool" && typeof value === "boolean") {
    const r = isPlainObject(rules.bool) ? (rules.bool as Rules) : undefined;
    if (r && typeof r.const === "boolean" && value !== r.const) {
      error(path, `value must be ${r.const}`);
    }
    return;
  }
  const r = isPlainObject(rules[type]) ? (rules[type] as Rules) : undefined;
  if (!r || (typeof value !== "number" && typeof value !== "string")) return;
  const n = Number(value);
  const check = (op: string, ok: (bound: number) => boolean, text: string) => {
    const bound = r[op];
    if (typeof bound === "number" || typeof bound === "string") {
      if (!ok(Number(bound))) error(path, `value must be ${text} ${bound}`);
    }
  };
  check("gt", (b) => n > b, "greater than");
  check("gte", (b) => n >= b, "greater than or equal to");
  check("lt", (b) => n < b, "less than");
  check("lte", (b) => n <= b, "less than or equal to");
  check("const", (b) => n === b, "equal to");
  if (Array.isArray(r.in) && !r.in.map(Number).includes(n)) {
    error(path, `value must be one of ${r.in.join(", ")}`);
  }
}

/** Rules on message-typed fields: wrappers take the scalar rules, Duration/Any their own. */
export function checkMessageRules(
  typeName: string,
  value: Json,
  rules: Rules | undefined,
  path: string,
  error: Report,
): void {
  if (!rules) return;
  if (typeName === "google.protobuf.Duration" && typeof value === "string") {
    const r = isPlainObject(rules.duration) ? (rules.duration as Rules) : undefined;
    const nanos = parseDuration(value);
    if (!r || nanos === undefined) return;
    const cmp = (op: string, ok: (bound: bigint) => boolean, text: string) => {
      if (op in r && !ok(ruleDurationNanos(r[op]))) {
        error(path, `duration must be ${text} ${Number(ruleDurationNanos(r[op])) / 1e9}s`);
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
    checkScalarRules(scalarType, value, rules, path, error);
  }
}

/** protoc-gen-validate rules on absent fields (proto3 defaults are validated too). */
export function checkAbsentFields(
  type: protobuf.Type,
  typeName: string,
  setFields: Set<protobuf.Field>,
  path: string,
  error: Report,
): void {
  for (const field of type.fieldsArray) {
    if (setFields.has(field)) continue;
    const rules = fieldRules(field);
    if (!rules) continue;
    const p = childPath(path, field.name);
    const inOneof = field.partOf !== null && field.partOf !== undefined;
    if (inOneof) continue; // PGV only validates the member that is set
    if (field.map) {
      const min = numberRule(rules.map, "min_pairs");
      if (min !== undefined && min > 0) error(p, `at least ${min} entries required`);
    } else if (field.repeated) {
      const min = numberRule(rules.repeated, "min_items");
      if (min !== undefined && min > 0) error(p, `at least ${min} items required`);
    } else if (field.resolvedType instanceof protobuf.Type) {
      const kind = Object.keys(rules)[0];
      const body = kind ? rules[kind] : undefined;
      if (
        (isPlainObject(rules.message) && rules.message.required === true) ||
        (isPlainObject(body) && body.required === true)
      ) {
        error(p, `field "${field.name}" is required in ${typeName}`);
      }
    } else if (field.resolvedType instanceof protobuf.Enum) {
      // default value 0 is always defined in proto3 enums
    } else {
      checkScalarRules(field.type, defaultScalar(field.type), rules, p, error);
    }
  }
}
