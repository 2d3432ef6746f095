import type { TLiteral, TUnion } from "@sinclair/typebox";
import { t } from "elysia";

/** RFC 9457 problem details, for the OpenAPI description of every error response. */
export const Problem = t.Object(
  {
    type: t.String(),
    title: t.String(),
    status: t.Integer(),
    detail: t.Optional(t.String()),
    errors: t.Optional(t.Array(t.Object({ path: t.String(), message: t.String() }))),
  },
  { description: "RFC 9457 problem details (application/problem+json)" },
);

/**
 * One string from a closed list. Use this, never Elysia's `t.UnionEnum`: that schema carries
 * `default: <first value>`, which Elysia fills in when the field is missing, so a forgotten
 * `rsvp` became "going" and a PATCH without `status` reset it (tested in http-schemas.test.ts).
 */
export function OneOf<const T extends readonly [string, ...string[]]>(
  values: T,
  options?: Parameters<typeof t.Union>[1],
): TUnion<{ -readonly [K in keyof T]: TLiteral<T[K]> }> {
  return t.Union(
    values.map((value) => t.Literal(value)),
    options,
  ) as never;
}

export { Text } from "./text-schema.ts";

/**
 * An instant as RFC 3339 with a time zone, in the years 1000–9999: what the database and every
 * view hold faithfully (formats.ts).
 */
export const DateTime = t.String({
  format: "date-time",
  description: "RFC 3339 with a time zone (Z or ±HH:MM), years 1000–9999",
});
