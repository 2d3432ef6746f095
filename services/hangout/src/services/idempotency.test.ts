import { describe, expect, test } from "bun:test";
import { fingerprint } from "./idempotency.ts";

const SCOPE = "POST /hangouts";
const HEX64 = /^[0-9a-f]{64}$/;

describe("fingerprint", () => {
  test("a well-formed body hashes as before: stored keys still match after a deploy", () => {
    const body = {
      title: "Picnic",
      location: { name: "Park", lat: 1.5 },
      startsAt: "2030-06-01T10:00:00Z",
      tags: ["é", 2, null, true],
    };
    // SHA-256 of `POST /hangouts\n` and the body's RFC 8785 text, as every stored key was made
    expect(fingerprint(SCOPE, body)).toBe(
      "4e24c2cd5225fb88ae1dc33f6a0970045f79d783323323dba0baad98cd1e6f64",
    );
  });

  test("is total: lone surrogates anywhere, and numbers JSON.parse makes infinite", () => {
    const hostile: unknown[] = [
      "\ud800",
      { title: "\ud800" },
      { title: "a\udfffb" },
      { "\udc00": 1 },
      { files: [{ filename: "\ud83d.jpg" }] },
      JSON.parse('{"size": 1e400}'),
      JSON.parse('{"size": -1e400}'),
      [JSON.parse("1e400"), "\ud800"],
    ];
    for (const body of hostile) expect(fingerprint(SCOPE, body)).toMatch(HEX64);
  });

  test("is deterministic on hostile bodies, whatever the key order", () => {
    const a = { title: "\ud800", notes: "x", size: JSON.parse("1e400") };
    const b = { size: Number.POSITIVE_INFINITY, notes: "x", title: "\ud800" };
    expect(fingerprint(SCOPE, a)).toBe(fingerprint(SCOPE, a));
    expect(fingerprint(SCOPE, a)).toBe(fingerprint(SCOPE, b));
    expect(fingerprint(SCOPE, { nested: [a] })).toBe(fingerprint(SCOPE, { nested: [b] }));
  });

  test("tells hostile bodies apart from each other and from their look-alikes", () => {
    const titles = ["\ud800", "\udfff", "\ud800\ud800", "\ufffd", "\\ud800", "", "?"];
    const hashes = titles.map((title) => fingerprint(SCOPE, { title }));
    expect(new Set(hashes).size).toBe(titles.length);

    const sizes = [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, null, 0, "Infinity"];
    const sizeHashes = sizes.map((size) => fingerprint(SCOPE, { size, title: "\ud800" }));
    expect(new Set(sizeHashes).size).toBe(sizes.length);
  });

  test("the scope counts for hostile bodies too, at any length", () => {
    const body = { title: "\ud800" };
    const long = `POST /hangouts/${"a".repeat(1000)}/activities`;
    expect(fingerprint(long, body)).toMatch(HEX64);
    expect(fingerprint(long, body)).not.toBe(fingerprint(SCOPE, body));
    expect(fingerprint(long, body)).not.toBe(fingerprint(`${long}x`, body));
  });
});
