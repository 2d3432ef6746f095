import { t } from "elysia";
import { AppError } from "./errors.ts";
import { describePattern } from "./validation-messages.ts";

/**
 * `limit` (1-100, default 20) and an opaque `cursor`, as every list route takes them.
 * `limit` is checked as the query string it is, then decoded: Elysia's coercion of a
 * `t.Integer({minimum, maximum})` query value reports an out-of-range number at path `/`
 * instead of `/limit`.
 */
export const PageQuery = {
  limit: t.Optional(
    t
      .Transform(
        t.String({
          pattern: describePattern("^(?:[1-9][0-9]?|100)$", "must be a whole number from 1 to 100"),
          description: "An integer from 1 to 100 (default 20)",
        }),
      )
      .Decode((value) => Number(value))
      .Encode((value: number) => String(value)),
  ),
  cursor: t.Optional(t.String({ maxLength: 500 })),
};

export const Page = <T extends Parameters<typeof t.Array>[0]>(item: T) =>
  t.Object({ items: t.Array(item), nextCursor: t.Union([t.String(), t.Null()]) });

/**
 * Cursors are the keyset position after the last item (e.g. `[startsAt, id]`), base64url JSON:
 * opaque to clients, stable while rows are inserted, and validated when they come back.
 */
const encodeCursor = (position: (string | number)[]) =>
  Buffer.from(JSON.stringify(position)).toString("base64url");

/** The cursor a list received, as the keyset position it encodes; 422 when it is not one. */
export function decodeCursor<T>(
  cursor: string | undefined,
  arity: number,
  parse: (parts: string[]) => T | undefined,
): T | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parts = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (
      Array.isArray(parts) &&
      parts.length === arity &&
      parts.every((part) => typeof part === "string" && part.length <= 100)
    ) {
      const position = parse(parts);
      if (position !== undefined) return position;
    }
  } catch {
    // falls through to the 422
  }
  throw new AppError("validation_failed", "The cursor is not valid", {
    errors: [{ path: "/cursor", message: "must be a cursor returned by this list" }],
  });
}

/** A `[timestamp, id]` keyset position, the shape every list here sorts by. */
export const timeAndId = ([time, id]: string[]) => {
  const at = new Date(time ?? "");
  return Number.isNaN(at.getTime()) || !id ? undefined : { at, id };
};

/**
 * The one way a list is cut into pages: query `limit + 1` rows after the cursor's position, and
 * this keeps `limit` of them and makes the next page's cursor from the last one kept (null when
 * no row was left over).
 */
export function pageOf<Row>(
  rows: Row[],
  limit: number,
  position: (row: Row) => (string | number)[],
): { rows: Row[]; nextCursor: string | null } {
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const last = page.at(-1);
  return { rows: page, nextCursor: more && last ? encodeCursor(position(last)) : null };
}
