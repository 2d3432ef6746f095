import { expect, test } from "bun:test";
import { AppError } from "./errors.ts";
import { decodeCursor, pageOf, timeAndId } from "./pagination.ts";

const rows = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ at: new Date(Date.UTC(2030, 0, i + 1)), id: `id-${i}` }));
const position = (row: { at: Date; id: string }) => [row.at.toISOString(), row.id];

test("a full page keeps `limit` rows and its cursor leads back to the last one kept", () => {
  const page = pageOf(rows(4), 3, position);
  expect(page.rows.map((r) => r.id)).toEqual(["id-0", "id-1", "id-2"]);
  const after = decodeCursor(page.nextCursor ?? undefined, 2, timeAndId);
  expect(after).toEqual({ at: new Date(Date.UTC(2030, 0, 3)), id: "id-2" });
});

test("the last page has every row and no cursor", () => {
  expect(pageOf(rows(3), 3, position)).toEqual({ rows: rows(3), nextCursor: null });
  expect(pageOf([], 3, position)).toEqual({ rows: [], nextCursor: null });
});

test("no cursor means the first page; a cursor that is not one of ours is a 422 on /cursor", () => {
  expect(decodeCursor(undefined, 2, timeAndId)).toBeUndefined();
  const foreign = [
    "not base64 json",
    Buffer.from("[1,2]").toString("base64url"),
    Buffer.from('["2030-01-01T00:00:00Z"]').toString("base64url"),
    Buffer.from('["yesterday","id"]').toString("base64url"),
  ];
  for (const cursor of foreign) {
    let caught: unknown;
    try {
      decodeCursor(cursor, 2, timeAndId);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect((caught as AppError).status).toBe(422);
  }
});
