/**
 * The proto3 JSON forms the validator accepts in YAML, and how it reports what it finds: the JSON
 * value types, paths into the document, scalar checks (int/uint ranges, 64-bit integers as numbers
 * or strings, booleans, strings, bytes as base64), Duration ("1.5s") and Timestamp (RFC 3339)
 * strings, and the scalar inside each wrapper type.
 */
import { WRAPPERS } from "./protos.ts";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };
/** Where a finding goes: the walker's error list. */
export type Report = (path: string, message: string) => void;

export function isPlainObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

export function childPath(path: string, key: string): string {
  if (/^[A-Za-z_@][\w@]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

export function describe(v: Json | undefined): string {
  if (v === null || v === undefined) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** Types whose JSON form is not an object with fields: inside an Any they sit under `value`. */
export const SPECIAL_JSON_TYPES = new Set([
  "google.protobuf.Duration",
  "google.protobuf.Timestamp",
  "google.protobuf.Struct",
  "google.protobuf.Value",
  "google.protobuf.ListValue",
  "google.protobuf.FieldMask",
  ...WRAPPERS.map((w) => `google.protobuf.${w}`),
]);

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
export const TIMESTAMP_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const MAX_DURATION_SECONDS = 315_576_000_000n;

/** Duration in nanoseconds (bigint), or undefined when malformed. */
export function parseDuration(text: string): bigint | undefined {
  const m = DURATION_RE.exec(text);
  if (!m) return undefined;
  const seconds = BigInt(m[2]!);
  if (seconds > MAX_DURATION_SECONDS) return undefined;
  const nanos = BigInt((m[3] ?? "").padEnd(9, "0") || "0");
  const total = seconds * 1_000_000_000n + nanos;
  return m[1] ? -total : total;
}

export function wrapperScalar(typeName: string): string {
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

/** Returns true when the value has the right JSON type for the scalar. */
export function checkScalar(
  type: string,
  value: Json,
  path: string,
  isMapKey: boolean,
  error: Report,
): boolean {
  switch (type) {
    case "string":
      if (typeof value !== "string") {
        error(path, `expected a string, got ${describe(value)}`);
        return false;
      }
      return true;
    case "bool":
      if (typeof value === "boolean") return true;
      if (isMapKey && (value === "true" || value === "false")) return true;
      error(path, `expected a boolean, got ${describe(value)}`);
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
      error(path, `expected a number (${type}), got ${describe(value)}`);
      return false;
    case "bytes":
      if (typeof value === "string" && /^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) return true;
      error(path, `expected base64 bytes, got ${describe(value)}`);
      return false;
    default: {
      const range = INT_RANGES[type];
      if (!range) {
        error(path, `unsupported scalar type ${type}`);
        return false;
      }
      let n: bigint | undefined;
      if (typeof value === "number" && Number.isInteger(value)) n = BigInt(value);
      else if (typeof value === "string" && /^-?\d+$/.test(value)) n = BigInt(value);
      if (n === undefined) {
        error(path, `expected an integer (${type}), got ${describe(value)}`);
        return false;
      }
      if (n < range[0] || n > range[1]) {
        error(path, `integer ${n} out of range for ${type}`);
        return false;
      }
      return true;
    }
  }
}
