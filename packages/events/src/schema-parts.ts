import { type TLiteral, type TUnion, Type as t } from "@sinclair/typebox";

/*
 * Building blocks of the event schemas. Only standard JSON Schema 2020-12 keywords, so the
 * published files mean the same to ajv or any other validator as to TypeBox here.
 */

export const Uuid = (description: string) => t.String({ format: "uuid", description });

export const DateTime = (description: string) =>
  t.String({ format: "date-time", description: `${description}; RFC 3339 with a time zone` });

/**
 * Text as the producer stored it. Lengths are checked where the text came in; they are not
 * restated here because TypeBox counts UTF-16 units and JSON Schema counts characters, which
 * would make the two disagree on the same event.
 */
export const Text = (description: string) => t.String({ minLength: 1, description });

export const Nullable = <T extends Parameters<typeof t.Union>[0][number]>(
  schema: T,
  description: string,
) => t.Union([schema, t.Null()], { description });

/** One string from a closed list, as `anyOf` of constants so every value is named. */
export function OneOf<const T extends readonly [string, ...string[]]>(
  values: T,
  description: string,
): TUnion<{ -readonly [K in keyof T]: TLiteral<T[K]> }> {
  return t.Union(
    values.map((value) => t.Literal(value)),
    { description },
  ) as never;
}

export const hangoutStatuses = ["planning", "confirmed", "done", "cancelled"] as const;
export const rsvps = ["going", "maybe", "declined", "pending"] as const;
