import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { t } from "elysia";
import { commonConfigSchema, configSchema, loadConfig } from "./config.ts";
import { createHttpApp } from "./http-app.ts";
import { DateTime, OneOf, Text } from "./http-schemas.ts";
import { createPlatform } from "./platform.ts";
import { type HttpService, serveHttp } from "./serve.ts";

/*
 * Requests that crashed a route, stalled a service or changed data silently (issue 16), against
 * the platform's app factory: each must be a clear 4xx problem, answered at once.
 */

let service: HttpService;
const received: unknown[] = [];

beforeAll(() => {
  const config = loadConfig(configSchema(commonConfigSchema), {});
  const platform = createPlatform("hostile", config, { logDestination: { write: () => {} } });
  const app = createHttpApp(platform, { version: "1", description: "demo", readiness: [] })
    .put(
      "/things/:id/rsvp",
      ({ body }) => {
        received.push(body);
        return body;
      },
      {
        body: t.Object(
          { rsvp: OneOf(["going", "maybe", "declined"]) },
          { additionalProperties: false },
        ),
      },
    )
    .post(
      "/things",
      ({ body }) => {
        received.push(body);
        return body;
      },
      {
        body: t.Object(
          {
            title: Text(1, 120),
            description: t.Optional(t.Union([Text(0, 5000), t.Null()])),
            startsAt: t.Optional(DateTime),
            count: t.Optional(t.Integer({ minimum: 1, maximum: 10 })),
          },
          { additionalProperties: false },
        ),
      },
    )
    .delete("/things/:id", ({ params }) => ({ id: params.id }));
  service = serveHttp(platform, app, { hostname: "127.0.0.1", port: 0, handleSignals: false });
});
afterAll(() => service.shutdown());

const send = (method: string, path: string, body?: string, type = "application/json") =>
  fetch(`${service.url}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": type },
    body,
  });

async function problem(response: Response) {
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  return (await response.json()) as {
    status: number;
    detail?: string;
    errors?: { path: string; message: string }[];
  };
}

const nested = (depth: number, leaf: string) => "[".repeat(depth) + leaf + "]".repeat(depth);

describe("nesting", () => {
  test("a body nested 20,000 deep is 400 at once, and the service stays ready meanwhile", async () => {
    received.length = 0;
    const started = performance.now();
    const [response, ready] = await Promise.all([
      send("PUT", "/things/1/rsvp", `{"rsvp":${nested(20_000, '"going"')}}`),
      fetch(`${service.url}/readyz`),
    ]);
    expect(response.status).toBe(400);
    expect((await problem(response)).detail).toContain("32 levels");
    expect(ready.status).toBe(200);
    // Generous bound for a loaded CI machine; the old path took ~25 s.
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(received).toEqual([]);
  });

  test("5,000 deep in a text field is 400, not a 500 from the error mapping", async () => {
    const response = await send("POST", "/things", `{"title":${nested(5_000, '"x"')}}`);
    expect(response.status).toBe(400);
  });

  test("32 levels are accepted by the parser and judged by the schema", async () => {
    const response = await send("POST", "/things", `{"title":${nested(31, '"x"')}}`);
    expect(response.status).toBe(422);
    expect((await problem(response)).errors).toEqual([
      { path: "/title", message: "must be a string" },
    ]);
  });
});

describe("text", () => {
  test("a lone surrogate is refused with 422 naming the field, never stored as U+FFFD", async () => {
    received.length = 0;
    for (const text of ["\\ud800", "a\\udc00b", "\\ud800\\ud800"]) {
      const response = await send("POST", "/things", `{"title":"${text}"}`);
      expect(response.status).toBe(422);
      expect((await problem(response)).errors).toEqual([
        {
          path: "/title",
          message: "must be valid Unicode text (it holds an unpaired UTF-16 surrogate)",
        },
      ]);
    }
    expect(received).toEqual([]);
    const pair = await send("POST", "/things", `{"title":"\\ud83d\\ude00 party"}`);
    expect(pair.status).toBe(200);
    expect(((await pair.json()) as { title: string }).title).toBe("😀 party");
  });

  test("messages name the limit and never show a regex or 'Expected union value'", async () => {
    const response = await send(
      "POST",
      "/things",
      JSON.stringify({ title: "\u0007", description: "x".repeat(5001), count: 11 }),
    );
    const { errors } = await problem(response);
    expect(errors).toEqual([
      { path: "/title", message: "must not contain control characters or be only whitespace" },
      { path: "/description", message: "must be at most 5000 characters" },
      { path: "/count", message: "must be at most 10" },
    ]);
    const rsvp = await problem(await send("PUT", "/things/1/rsvp", `{"rsvp":"yes"}`));
    expect(rsvp.errors).toEqual([
      { path: "/rsvp", message: "must be one of: going, maybe, declined" },
    ]);
    const missing = await problem(await send("PUT", "/things/1/rsvp", "{}"));
    expect(missing.errors).toEqual([{ path: "/rsvp", message: "is required" }]);
  });
});

describe("lengths count characters, as the documents and the columns do", () => {
  test("120 emoji fit a title of at most 120 characters; 121 do not", async () => {
    const fits = await send("POST", "/things", JSON.stringify({ title: "😀".repeat(120) }));
    expect(fits.status).toBe(200);
    const over = await send("POST", "/things", JSON.stringify({ title: "😀".repeat(121) }));
    expect((await problem(over)).errors).toEqual([
      { path: "/title", message: "must be at most 120 characters" },
    ]);
    const wrongType = await send(
      "POST",
      "/things",
      JSON.stringify({ title: "ok", description: 7 }),
    );
    expect((await problem(wrongType)).errors).toEqual([
      { path: "/description", message: "must be a string or null" },
    ]);
  });
});

describe("unknown fields", () => {
  test("are refused with 422 naming each, __proto__ and ownerId included", async () => {
    received.length = 0;
    for (const field of ["__proto__", "ownerId", "titel"]) {
      const response = await send("POST", "/things", `{"title":"ok","${field}":{"x":1}}`);
      expect(response.status).toBe(422);
      expect((await problem(response)).errors).toEqual([
        { path: `/${field}`, message: "is not a known field" },
      ]);
    }
    expect(received).toEqual([]);
  });
});

describe("dates", () => {
  test("years outside 1000–9999 and offsets that are not RFC 3339 are 422 on the field", async () => {
    for (const startsAt of ["0050-06-15T12:00:00Z", "2026-06-15T18:00:00+0100"]) {
      const response = await send("POST", "/things", JSON.stringify({ title: "ok", startsAt }));
      expect(response.status).toBe(422);
      const { errors } = await problem(response);
      expect(errors?.map((e) => e.path)).toEqual(["/startsAt"]);
      expect(errors?.[0]?.message).toContain("RFC 3339");
    }
    const ok = await send(
      "POST",
      "/things",
      JSON.stringify({ title: "ok", startsAt: "2026-06-15T18:00:00+01:00" }),
    );
    expect(ok.status).toBe(200);
  });
});

describe("protocol", () => {
  test("a known path with a method it does not serve is 405 with Allow", async () => {
    const response = await send("GET", "/things/1/rsvp");
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("PUT");
    await problem(response);
    expect((await send("PATCH", "/things/7")).headers.get("allow")).toBe("DELETE");
    expect((await send("GET", "/nothing/here")).status).toBe(404);
  });

  test("a body that is not JSON on a JSON route is 415", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]) {
      const response = await send("POST", "/things", "title=ok", type);
      expect(response.status).toBe(415);
      await problem(response);
    }
    const vendor = await send("POST", "/things", `{"title":"ok"}`, "application/merge-patch+json");
    expect(vendor.status).toBe(200);
  });

  test("bytes that are not UTF-8 are 400, never stored as U+FFFD; other charsets are 415", async () => {
    received.length = 0;
    const invalid = new Uint8Array([
      ...new TextEncoder().encode('{"title":"An'),
      0xff,
      0xfe,
      ...new TextEncoder().encode('"}'),
    ]);
    const response = await fetch(`${service.url}/things`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: invalid,
    });
    expect(response.status).toBe(400);
    expect((await problem(response)).detail).toContain("UTF-8");
    const utf16 = await send(
      "POST",
      "/things",
      `{"title":"ok"}`,
      "application/json; charset=utf-16",
    );
    expect(utf16.status).toBe(415);
    expect(received).toEqual([]);
    const labelled = await send(
      "POST",
      "/things",
      `{"title":"ok"}`,
      "application/json; charset=UTF-8",
    );
    expect(labelled.status).toBe(200);
  });

  test("a body that is not JSON at all is 400", async () => {
    expect((await send("POST", "/things", "{nope")).status).toBe(400);
  });

  test("a path that is not valid UTF-8 is 404, not a null id", async () => {
    for (const id of ["%FF", "%ED%A0%80", "%C0%AF"]) {
      const response = await send("DELETE", `/things/${id}`);
      expect(response.status).toBe(404);
      await problem(response);
    }
    expect(await (await send("DELETE", "/things/%C3%A9")).json()).toEqual({ id: "é" });
  });

  test("a URL or headers that are too large get their status with a problem body", async () => {
    const longUrl = await fetch(`${service.url}/things/${"a".repeat(9_000)}`);
    expect(longUrl.status).toBe(414);
    expect((await problem(longUrl)).detail).toContain("8192");
    const bigHeaders = await fetch(`${service.url}/healthz`, {
      headers: { "x-big": "a".repeat(13_000) },
    });
    expect(bigHeaders.status).toBe(431);
    await problem(bigHeaders);
    const headers = Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`x-h${i}`, "1"]));
    const many = await fetch(`${service.url}/healthz`, { headers });
    expect(many.status).toBe(431);
    await problem(many);
  });
});
