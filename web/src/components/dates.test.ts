import { expect, test } from "bun:test";
import { fromLocalInput, toLocalInput } from "./dates.ts";

test("a datetime-local value goes to the API as the same instant in UTC and comes back", () => {
  const iso = fromLocalInput("2027-06-05T18:30");
  expect(iso).toBe(new Date(2027, 5, 5, 18, 30).toISOString());
  expect(toLocalInput(iso)).toBe("2027-06-05T18:30");
});

test("an empty or unreadable value is passed on for the API to name", () => {
  expect(fromLocalInput("")).toBe("");
  expect(fromLocalInput("tomorrow")).toBe("tomorrow");
  expect(toLocalInput(null)).toBe("");
});
