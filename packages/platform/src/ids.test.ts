import { expect, test } from "bun:test";
import { isUuid } from "./ids.ts";

test("isUuid takes canonical UUIDs of any version, in either case", () => {
  expect(isUuid(Bun.randomUUIDv7())).toBe(true);
  expect(isUuid(crypto.randomUUID().toUpperCase())).toBe(true);
});

test("isUuid refuses anything else", () => {
  const id = Bun.randomUUIDv7();
  for (const bad of ["", "x", id.replaceAll("-", ""), `${id} `, ` ${id}`, `${id}0`, `{${id}}`]) {
    expect(isUuid(bad)).toBe(false);
  }
  expect(isUuid(`${id.slice(0, -1)}g`)).toBe(false);
  expect(isUuid(`${id}\n`)).toBe(false);
});
