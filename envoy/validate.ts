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
 * `@type`s used in the document are loaded.
 *
 * This module is the public API; the work is in `protos.ts` (finding and loading the protos),
 * `proto-walk.ts` (the walk), `proto-json.ts` (JSON forms of scalars and well-known types),
 * `pgv-rules.ts` (protoc-gen-validate rules) and `suggest.ts` ("did you mean").
 *
 * CLI: `bun envoy/validate.ts [envoy/envoy.yaml]` prints the findings and exits 1 on any error.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseDocument } from "yaml";
import { describe, isPlainObject, type Json } from "./proto-json.ts";
import { type Issue, Walker } from "./proto-walk.ts";
import { loadProtosFor, lookupMessage } from "./protos.ts";

export type { Issue } from "./proto-walk.ts";
export { PROTO_ROOTS, protoFileForType } from "./protos.ts";

export interface ValidationResult {
  errors: Issue[];
  warnings: Issue[];
  /** The parsed document (plain JSON values), or undefined when the YAML did not parse. */
  config: unknown;
}

export const BOOTSTRAP_TYPE = "envoy.config.bootstrap.v3.Bootstrap";

/** Validates an already parsed document against a message type (Bootstrap by default). */
export function validateEnvoyConfig(config: unknown, rootType = BOOTSTRAP_TYPE): ValidationResult {
  loadProtosFor(config, rootType);
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
