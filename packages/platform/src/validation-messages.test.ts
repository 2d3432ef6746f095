import { expect, test } from "bun:test";
import { ValueErrorType } from "@sinclair/typebox/errors";
import { messageOf } from "./validation-messages.ts";

const formatError = (format: string, value: unknown) => ({
  type: ValueErrorType.StringFormat,
  path: "/startsAt",
  message: "Expected string to match format",
  value,
  schema: { type: "string", format },
});

test("a formatted field left blank says so, rather than the format's rule", () => {
  expect(messageOf(formatError("date-time", ""))).toBe("must not be empty");
  expect(messageOf(formatError("email", ""))).toBe("must not be empty");
});

test("a formatted field with a wrong value gets the format's rule in words", () => {
  expect(messageOf(formatError("date-time", "tomorrow"))).toStartWith(
    "must be an RFC 3339 date-time with a time zone",
  );
  expect(messageOf(formatError("email", "nope"))).toBe("must be an email address");
});
