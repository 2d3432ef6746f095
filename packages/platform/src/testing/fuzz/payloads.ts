import fc from "fast-check";

/** A number written into the JSON text as is (`1e400`, `-0`), which `JSON.stringify` cannot. */
export class RawJson {
  constructor(readonly text: string) {}
  toJSON() {
    return `\u0000raw:${this.text}\u0000`;
  }
}

/** `JSON.stringify` that keeps `RawJson` numbers and own `__proto__` keys. */
export const toJsonText = (value: unknown) =>
  JSON.stringify(value)?.replace(/"\\u0000raw:(.*?)\\u0000"/g, (_, raw: string) => raw);

/** The JSON a payload carries, as the service would parse it; undefined when it is not JSON. */
export function sentJson(payload: Payload | undefined): unknown {
  if (!payload || payload.form || payload.bytes) return undefined;
  const text = payload.text ?? toJsonText(payload.value);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text.replace(/^\ufeff/, ""));
  } catch {
    return undefined;
  }
}

/** A body as sent. Only one of `value`, `text`, `bytes`, `form` is set. */
export interface Payload {
  contentType?: string;
  value?: unknown;
  text?: string;
  bytes?: number[];
  /** Fields of a form (urlencoded, or multipart when `multipart`). */
  form?: [string, string][];
  multipart?: boolean;
}

export interface Mutated {
  /** What was done, for the report: `title: too long`. */
  mutation: string;
  payload: Payload;
}

/** Bodies that are not the documented JSON at all: other media types, broken or odd JSON. */
export function payloadMutation(valid: fc.Arbitrary<unknown>): fc.Arbitrary<Mutated> {
  const text = (mutation: string, make: (json: string) => Payload) =>
    valid.map((v): Mutated => ({ mutation, payload: make(toJsonText(v) ?? "null") }));
  return fc.oneof(
    text("JSON as text/plain", (t) => ({ contentType: "text/plain", text: t })),
    text("JSON without content-type", (t) => ({ text: t })),
    text("JSON as application/xml", (t) => ({ contentType: "application/xml", text: t })),
    text("JSON as application/json; charset=utf-16", (t) => ({
      contentType: "application/json; charset=utf-16",
      text: t,
    })),
    text("JSON as APPLICATION/JSON", (t) => ({ contentType: "APPLICATION/JSON", text: t })),
    text("JSON as application/merge-patch+json", (t) => ({
      contentType: "application/merge-patch+json",
      text: t,
    })),
    text("truncated JSON", (t) => ({
      contentType: "application/json",
      text: t.slice(0, Math.max(1, t.length - 2)),
    })),
    text("JSON with trailing garbage", (t) => ({
      contentType: "application/json",
      text: `${t} x`,
    })),
    text("JSON after a BOM", (t) => ({ contentType: "application/json", text: `\ufeff${t}` })),
    text("duplicate keys", (t) => ({
      contentType: "application/json",
      text: t.replace(/^\{/, '{"a":1,"a":2,'),
    })),
    text("invalid UTF-8 bytes", (t) => ({
      contentType: "application/json",
      bytes: [...new TextEncoder().encode(t.slice(0, -2)), 0xff, 0xfe, 0x22, 0x7d],
    })),
    fc.constantFrom<Mutated>(
      { mutation: "empty body", payload: { contentType: "application/json", text: "" } },
      { mutation: "not JSON as text/plain", payload: { contentType: "text/plain", text: "hello" } },
      { mutation: "body: array", payload: { contentType: "application/json", value: [] } },
      { mutation: "body: null", payload: { contentType: "application/json", value: null } },
      { mutation: "body: string", payload: { contentType: "application/json", value: "x" } },
      { mutation: "body: number", payload: { contentType: "application/json", value: 1 } },
      {
        mutation: "body: deep nesting",
        payload: {
          contentType: "application/json",
          text: `${"[".repeat(5000)}${"]".repeat(5000)}`,
        },
      },
      {
        mutation: "body: __proto__ only",
        payload: { contentType: "application/json", text: '{"__proto__":{"isAdmin":true}}' },
      },
    ),
  );
}

/** A documented form media type, with each top-level field as a form field. */
export function formPayload(value: unknown, multipart: boolean): Payload {
  const fields = Object.entries((value ?? {}) as Record<string, unknown>).map(
    ([k, v]): [string, string] => [
      k,
      typeof v === "string" ? v : v === null ? "" : (toJsonText(v) ?? ""),
    ],
  );
  return multipart
    ? { form: fields, multipart }
    : { contentType: "application/x-www-form-urlencoded", form: fields };
}

/** Path segments that are not ids at all, already percent-encoded as they go on the wire. */
export const BAD_PATH_IDS = [
  "x".repeat(1000),
  "%FF",
  "%ED%A0%80",
  "not-a-uuid",
  "%00",
  "%20",
  "%2F",
  "null",
  "0",
  "-1",
  "00000000-0000-0000-0000-000000000000",
  "%7B0190a6e2-7b7c-7cc0-8b7e-3c1f2d4e5a6b%7D",
  "0190a6e2-7b7c-7cc0-8b7e-3c1f2d4e5a6b%20",
  "0190A6E2-7B7C-7CC0-8B7E-3C1F2D4E5A6B",
  "0190a6e27b7c7cc08b7e3c1f2d4e5a6b",
  "%27%20OR%201%3D1--",
];

/** Query values a parameter's schema should refuse, or that are encoded oddly. */
export const BAD_QUERY_VALUES = [
  "",
  "0",
  "-1",
  "101",
  "1e1",
  "1.5",
  " 5",
  "abc",
  "%FF",
  "x".repeat(600),
  "null",
];
