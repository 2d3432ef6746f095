import { Kind, Type, TypeRegistry } from "@sinclair/typebox";
import { describeKind, describePattern } from "./validation-messages.ts";

/*
 * Free text, counted the way its documents and its columns count it. JSON Schema's minLength and
 * maxLength count characters (code points), and so does a utf8mb4 VARCHAR; TypeBox's own
 * `t.String` counts UTF-16 units, which refused 120 emoji in a title documented as at most 120
 * characters. So text is a TypeBox kind of its own: documented as a plain string schema, checked
 * here.
 */

/**
 * Stored as given and returned as JSON strings (never rendered as HTML here), but control
 * characters are refused, except tab and newlines (LF, CR).
 */
const ALLOWED = "[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]";
const NOT_BLANK = describePattern(
  `^(?=[\\s\\S]*\\S)${ALLOWED}*$`,
  "must not contain control characters or be only whitespace",
);
const NO_CONTROLS = describePattern(`^${ALLOWED}*$`, "must not contain control characters");
const patterns = new Map([NOT_BLANK, NO_CONTROLS].map((p) => [p, new RegExp(p)]));

interface TextSchema {
  minLength: number;
  maxLength: number;
  pattern: string;
}

const KIND = "Text";

/** Characters (code points) in a string: a surrogate pair is one. */
export function characters(value: string): number {
  let count = value.length;
  for (let i = 0; i < value.length - 1; i++) {
    const unit = value.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        count--;
        i++;
      }
    }
  }
  return count;
}

/** The rule `value` breaks, in words, or undefined when it is valid text for `schema`. */
function brokenRule(schema: TextSchema, value: unknown): string | undefined {
  if (typeof value !== "string") return "must be a string";
  const length = characters(value);
  if (length > schema.maxLength) return `must be at most ${schema.maxLength} characters`;
  if (length < schema.minLength) {
    return schema.minLength === 1
      ? "must not be empty"
      : `must be at least ${schema.minLength} characters`;
  }
  if (!patterns.get(schema.pattern)?.test(value)) {
    return schema.pattern === NOT_BLANK
      ? "must not contain control characters or be only whitespace"
      : "must not contain control characters";
  }
  return undefined;
}

if (!TypeRegistry.Has(KIND)) {
  TypeRegistry.Set<TextSchema>(KIND, (schema, value) => brokenRule(schema, value) === undefined);
}
describeKind(
  KIND,
  (schema, value) => brokenRule(schema as unknown as TextSchema, value) ?? "is not valid",
);

/** Text of `minLength` to `maxLength` characters; when required, not only whitespace. */
export const Text = (
  minLength: number,
  maxLength: number,
  options: { description?: string } = {},
) =>
  Type.Unsafe<string>({
    ...options,
    [Kind]: KIND,
    type: "string",
    minLength,
    maxLength,
    pattern: minLength > 0 ? NOT_BLANK : NO_CONTROLS,
  });
