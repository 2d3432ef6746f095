import { Kind } from "@sinclair/typebox";
import { ValueErrorType } from "@sinclair/typebox/errors";
import type { FieldError } from "./errors.ts";

/*
 * Schema validation errors, in words for people: each names its field (a JSON pointer) and the
 * rule it broke ("must be at most 120 characters"), never the submitted value, a regular
 * expression's source or "Expected union value".
 */

/** What this module reads of a TypeBox error (Elysia's `ValidationError.all`). */
export interface SchemaError {
  type: number;
  path: string;
  message: string;
  value: unknown;
  schema: Record<string, unknown>;
  /** One error iterator per variant, when the failed schema is a union. */
  errors?: Iterable<SchemaError>[];
}

const patternRules = new Map<string, string>();

/** Says what a `pattern` means, so a value that misses it is told the rule, not the regex. */
export function describePattern(pattern: string, rule: string): string {
  patternRules.set(pattern, rule);
  return pattern;
}

const kindRules = new Map<string, (schema: Record<string, unknown>, value: unknown) => string>();

/** Says, for a schema kind of the platform's own (text-schema.ts), which rule a value broke. */
export function describeKind(
  kind: string,
  rule: (schema: Record<string, unknown>, value: unknown) => string,
) {
  kindRules.set(kind, rule);
}

const formatRules: Record<string, string> = {
  "date-time":
    "must be an RFC 3339 date-time with a time zone (2026-06-15T18:00:00Z or 2026-06-15T20:00:00+02:00) between the years 1000 and 9999",
  date: "must be a date written 2026-06-15",
  email: "must be an email address",
  uuid: "must be a UUID",
  uri: "must be an absolute URL",
};

/** The field paths and messages of a validation error, never the submitted values. */
export function fieldErrors(all: readonly unknown[]): FieldError[] {
  const seen = new Set<string>();
  const errors: FieldError[] = [];
  for (const error of precise(all, 0)) {
    const path = error.path || "/";
    if (seen.has(path)) continue;
    seen.add(path);
    errors.push({ path, message: messageOf(error) });
  }
  return errors;
}

/** Unions nest only as deep as the schemas do; the cap keeps a hostile value from going further. */
const MAX_UNION_DEPTH = 8;

const TYPE_ERRORS = new Set<number>([
  ValueErrorType.Array,
  ValueErrorType.Boolean,
  ValueErrorType.Integer,
  ValueErrorType.Literal,
  ValueErrorType.Null,
  ValueErrorType.Number,
  ValueErrorType.Object,
  ValueErrorType.String,
  ValueErrorType.Union,
]);

/** The value is of another type than the schema's (a Text kind given a number, say). */
export const isTypeError = (e: SchemaError) =>
  TYPE_ERRORS.has(e.type) ||
  (e.type === ValueErrorType.Kind && e.schema.type === "string" && typeof e.value !== "string");

/**
 * Errors where the value went wrong. A union (a nullable object or text, say) fails as a whole at
 * its own path; when the value has the type of one of its variants (`Text | null` given a string
 * that is too long, `Location | null` given an object missing its name), the caller gets that
 * variant's errors instead.
 */
function precise(all: Iterable<unknown>, depth: number): SchemaError[] {
  const result: SchemaError[] = [];
  for (const raw of all) {
    if (typeof raw !== "object" || raw === null || !("path" in raw)) continue;
    const error = raw as SchemaError;
    const fitting =
      depth < MAX_UNION_DEPTH
        ? (error.errors ?? [])
            .map((variant) => [...variant])
            .find(
              (inner) =>
                inner.length > 0 && !inner.some((e) => e.path === error.path && isTypeError(e)),
            )
        : undefined;
    if (fitting) result.push(...precise(fitting, depth + 1));
    else result.push(error);
  }
  return result;
}

export function messageOf(error: SchemaError): string {
  const s = error.schema;
  if (error.value === undefined && error.type !== ValueErrorType.ObjectAdditionalProperties)
    return "is required";
  switch (error.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return "is required";
    case ValueErrorType.ObjectAdditionalProperties:
      return "is not a known field";
    case ValueErrorType.ObjectMinProperties:
      return s.minProperties === 1
        ? "must have at least one field"
        : `must have at least ${s.minProperties} fields`;
    case ValueErrorType.ObjectMaxProperties:
      return `must have at most ${s.maxProperties} fields`;
    case ValueErrorType.StringMaxLength:
      return `must be at most ${s.maxLength} characters`;
    case ValueErrorType.StringMinLength:
      return s.minLength === 1 ? "must not be empty" : `must be at least ${s.minLength} characters`;
    case ValueErrorType.StringPattern:
      return patternRules.get(String(s.pattern)) ?? "is not in the expected form";
    case ValueErrorType.StringFormat:
    case ValueErrorType.StringFormatUnknown:
      // A form's field left blank arrives as "": the rule of the format would read as a riddle.
      if (error.value === "") return "must not be empty";
      return formatRules[String(s.format)] ?? `must be a valid ${s.format}`;
    case ValueErrorType.NumberMaximum:
    case ValueErrorType.IntegerMaximum:
      return `must be at most ${s.maximum}`;
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.IntegerMinimum:
      return `must be at least ${s.minimum}`;
    case ValueErrorType.NumberExclusiveMaximum:
    case ValueErrorType.IntegerExclusiveMaximum:
      return `must be less than ${s.exclusiveMaximum}`;
    case ValueErrorType.NumberExclusiveMinimum:
    case ValueErrorType.IntegerExclusiveMinimum:
      return `must be more than ${s.exclusiveMinimum}`;
    case ValueErrorType.ArrayMaxItems:
      return `must have at most ${s.maxItems} items`;
    case ValueErrorType.ArrayMinItems:
      return s.minItems === 1 ? "must not be empty" : `must have at least ${s.minItems} items`;
    case ValueErrorType.ArrayUniqueItems:
      return "must not repeat an item";
    case ValueErrorType.Literal:
      return `must be ${JSON.stringify(s.const)}`;
    case ValueErrorType.Union:
      return unionRule(s);
    case ValueErrorType.Kind: {
      const kind = (s as Record<symbol, unknown>)[Kind];
      const rule = typeof kind === "string" ? kindRules.get(kind) : undefined;
      return rule ? rule(s, error.value) : "is not valid";
    }
    default:
      return typeRule(s) ?? "is not valid";
  }
}

const typeRules: Record<string, string> = {
  string: "must be a string",
  number: "must be a number",
  integer: "must be a whole number",
  boolean: "must be true or false",
  object: "must be an object",
  array: "must be an array",
  null: "must be null",
};

function typeRule(schema: Record<string, unknown>): string | undefined {
  return typeof schema.type === "string" ? typeRules[schema.type] : undefined;
}

/** "must be one of: going, maybe, declined", or "must be an object or null". */
function unionRule(schema: Record<string, unknown>): string {
  const variants = (schema.anyOf ?? []) as Record<string, unknown>[];
  const literals = variants.filter((v) => "const" in v).map((v) => String(v.const));
  if (literals.length === variants.length && literals.length > 0)
    return `must be one of: ${literals.join(", ")}`;
  const kinds = variants
    .map((v) => (typeof v.type === "string" ? v.type : undefined))
    .filter((kind): kind is string => kind !== undefined);
  if (kinds.length === variants.length && kinds.length > 0) {
    const names = kinds.map((kind) => typeRules[kind]?.replace(/^must be /, "") ?? kind);
    return `must be ${names.join(" or ")}`;
  }
  return "is not in an accepted form";
}
