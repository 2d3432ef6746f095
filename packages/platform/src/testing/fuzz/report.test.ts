import { expect, test } from "bun:test";
import { describe } from "./report.ts";

test("a failure prints its request and answer without the tokens in them", () => {
  const jwt = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
  const text = describe({
    case: {
      operation: "auth POST /auth/refresh",
      method: "POST",
      as: "alice",
      path: {},
      query: [],
      headers: { "x-forwarded-for": "198.51.100.1" },
      payload: { contentType: "application/json", value: { refreshToken: "r-secret-1" } },
      mutation: "valid",
    },
    answer: {
      status: 500,
      contentType: "application/json",
      text: JSON.stringify({ accessToken: jwt, refreshToken: "r-secret-2", note: `x ${jwt}` }),
    },
    findings: [{ kind: "5xx", detail: "answered 500" }],
  });
  expect(text).toContain("auth: POST /auth/refresh");
  expect(text).toContain("as: alice; headers: x-forwarded-for: 198.51.100.1");
  expect(text).toContain("✗ 5xx: answered 500");
  for (const secret of [jwt, "r-secret-1", "r-secret-2"]) expect(text).not.toContain(secret);
  expect(text).toContain("<redacted>");
});
