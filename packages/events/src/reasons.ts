import { isTypeError } from "@hangout/platform/validation-messages";
import type { TSchema } from "@sinclair/typebox";
import type { TypeCheck } from "@sinclair/typebox/compiler";
import { type ValueError, ValueErrorType } from "@sinclair/typebox/errors";
import { formatWords, patternWords } from "./formats.ts";

/*
 * Why a value fails a schema, in words for whoever reads the dead-letter queue: each rule names
 * its field (a JSON pointer into the event) and what it must be, never the value itself, which
 * could be an address or other personal data.
 */

/** More would bury the first problem; one is usually enough to see what went wrong. */
const MAX_RULES = 5;

/** Unions nest only as deep as the schemas do; the cap bounds the walk on hostile input. */
const MAX_UNION_DEPTH = 8;

export function reasonOf(check: TypeCheck<TSchema>, value: unknown, prefix = ""): string {
  const rules: string[] = [];
  const seen = new Set<string>();
  for (const error of precise(check.Errors(value), 0)) {
    const path = prefix + error.path || "/";
    if (seen.has(path)) continue;
    seen.add(path);
    if (rules.length === MAX_RULES) {
      rules.push("and more");
      break;
    }
    rules.push(`${path} ${ruleOf(error)}`);
  }
  return rules.length > 0 ? rules.join("; ") : "does not match its schema";
}

/**
 * A union fails as a whole at its own path. When the value has the type of one variant (a
 * string for `date-time | null`, an object for one of two object shapes), that variant's errors
 * say more; of two such object variants, the one with fewer errors is the one meant.
 */
function precise(errors: Iterable<ValueError>, depth: number): ValueError[] {
  const result: ValueError[] = [];
  for (const error of errors) {
    const variants = depth < MAX_UNION_DEPTH ? error.errors.map((v) => [...v]) : [];
    const fitting = variants
      .filter((inner) => inner.length > 0)
      .filter((inner) => !inner.some((e) => e.path === error.path && isTypeError(e)))
      .sort((a, b) => a.length - b.length);
    const best = fitting[0];
    if (best && (fitting.length === 1 || best.length < fitting[1]!.length)) {
      result.push(...precise(best, depth + 1));
    } else result.push(error);
  }
  return result;
}

function ruleOf(error: ValueError): string {
  const s = error.schema as Record<string, unknown>;
  switch (error.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return "is required";
    case ValueErrorType.ObjectAdditionalProperties:
      return "is not a known field";
    case ValueErrorType.StringMinLength:
      return s.minLength === 1 ? "must not be empty" : `must be at least ${s.minLength} characters`;
    case ValueErrorType.StringMaxLength:
      return `must be at most ${s.maxLength} characters`;
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.NumberMinimum:
      return `must be at least ${s.minimum}`;
    case ValueErrorType.ArrayMinItems:
      return s.minItems === 1 ? "must not be empty" : `must have at least ${s.minItems} items`;
    case ValueErrorType.ArrayUniqueItems:
      return "must not repeat an item";
    default:
      return error.value === undefined ? "is required" : `must be ${describe(s)}`;
  }
}

const typeWords: Record<string, string> = {
  string: "a string",
  integer: "a whole number",
  number: "a number",
  boolean: "true or false",
  object: "an object",
  array: "a list",
  null: "null",
};

/** What a value of `schema` is, as a noun phrase: "an RFC 3339 date-time … or null". */
function describe(schema: Record<string, unknown>): string {
  if ("const" in schema) return JSON.stringify(schema.const);
  if (Array.isArray(schema.anyOf)) {
    const variants = schema.anyOf.map((v: Record<string, unknown>) =>
      typeof v.description === "string" && v.type === "object" ? v.description : describe(v),
    );
    return variants.length > 2
      ? `one of ${variants.slice(0, -1).join(", ")} or ${variants.at(-1)}`
      : variants.join(" or ");
  }
  if (typeof schema.pattern === "string") {
    return patternWords.get(schema.pattern) ?? "a string of the documented form";
  }
  if (typeof schema.format === "string") return formatWords[schema.format] ?? schema.format;
  return (typeof schema.type === "string" && typeWords[schema.type]) || "valid";
}
