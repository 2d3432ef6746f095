import { afterEach, describe, expect, mock, spyOn, test } from "bun:test";
import { gunzipSync } from "node:zlib";
import { OTLPExporterError } from "@opentelemetry/otlp-exporter-base";
import {
  createFetchTransport,
  type FetchTransportOptions,
  retryAfterMs,
} from "./otlp-transport.ts";
import { freePort } from "./testing/ports.ts";

const servers: Bun.Server<undefined>[] = [];
afterEach(() => {
  mock.restore();
  for (const server of servers.splice(0)) server.stop(true);
});

interface Seen {
  body: Uint8Array;
  headers: Headers;
  at: number;
}

/** A collector answering each request with the next of `answers` (the last one repeats). */
function collector(answers: (() => Response | Promise<Response>)[]) {
  const seen: Seen[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      seen.push({
        body: new Uint8Array(await request.arrayBuffer()),
        headers: request.headers,
        at: Date.now(),
      });
      return (answers[seen.length - 1] ?? answers.at(-1)!)();
    },
  });
  servers.push(server);
  return { url: `http://127.0.0.1:${server.port}/v1/traces`, seen };
}

const transport = (url: string, options: Partial<FetchTransportOptions> = {}) =>
  createFetchTransport({
    url,
    headers: () => ({ "Content-Type": "application/x-protobuf", "x-tenant": "t1" }),
    compression: "none",
    initialBackoffMs: 20,
    ...options,
  });

const payload = new Uint8Array([10, 3, 1, 2, 3]);

describe("createFetchTransport", () => {
  test("posts the bytes with the configured headers and returns the collector's answer", async () => {
    const partialSuccess = new Uint8Array([18, 1, 0]);
    const { url, seen } = collector([() => new Response(partialSuccess)]);

    const result = await transport(url).send(payload, 5_000);

    expect(result).toEqual({ status: "success", data: partialSuccess });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.body).toEqual(payload);
    expect(seen[0]!.headers.get("content-type")).toBe("application/x-protobuf");
    expect(seen[0]!.headers.get("x-tenant")).toBe("t1");
    expect(seen[0]!.headers.get("user-agent")).toStartWith("OTel-OTLP-Exporter-JavaScript");
    expect(seen[0]!.headers.get("content-encoding")).toBeNull();
  });

  test("gzips the body when compression is configured", async () => {
    const { url, seen } = collector([() => new Response("")]);

    await transport(url, { compression: "gzip" }).send(payload, 5_000);

    expect(seen[0]!.headers.get("content-encoding")).toBe("gzip");
    expect(new Uint8Array(gunzipSync(seen[0]!.body))).toEqual(payload);
  });

  test("retries 429/502/503/504 after the collector's Retry-After or a growing backoff", async () => {
    // No jitter, so the backoff is exact: 20 ms, then x1.5 per retry.
    spyOn(Math, "random").mockReturnValue(0.5);
    const { url, seen } = collector([
      () => new Response("", { status: 503, headers: { "retry-after": "0" } }),
      () => new Response("", { status: 429 }),
      () => new Response("", { status: 502 }),
      () => new Response("", { status: 504 }),
      () => new Response(""),
    ]);

    const result = await transport(url).send(payload, 10_000);

    expect(result.status).toBe("success");
    expect(seen).toHaveLength(5);
    const waits = seen.slice(1).map((request, i) => request.at - seen[i]!.at);
    // Retry-After: 0 at once; then the backoff, which grew during that retry too: 30, 45, 67.5.
    expect(waits[0]).toBeLessThan(25);
    for (const [i, expected] of [30, 45, 67.5].entries()) {
      expect(waits[i + 1]).toBeGreaterThanOrEqual(expected - 2);
      expect(waits[i + 1]).toBeLessThan(expected * 1.5 + 20);
    }
  });

  test("gives up after five retries", async () => {
    const { url, seen } = collector([
      () => new Response("", { status: 503, headers: { "retry-after": "0" } }),
    ]);

    const result = await transport(url).send(payload, 10_000);

    expect(result.status).toBe("retryable");
    expect(seen).toHaveLength(6);
  });

  test("does not retry when the wait would outlast the export's timeout", async () => {
    const { url, seen } = collector([
      () => new Response("", { status: 429, headers: { "retry-after": "30" } }),
    ]);

    const started = Date.now();
    const result = await transport(url).send(payload, 2_000);

    expect(result).toMatchObject({ status: "retryable", retryInMillis: 30_000 });
    expect(seen).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  test("fails at once, with the status and body, on any other refusal", async () => {
    const { url, seen } = collector([
      () => new Response("bad span", { status: 400, statusText: "Bad Request" }),
    ]);

    const result = await transport(url).send(payload, 5_000);

    expect(result.status).toBe("failure");
    const error = (result as { error: OTLPExporterError }).error;
    expect(error).toBeInstanceOf(OTLPExporterError);
    expect(error.code).toBe(400);
    expect(error.data).toBe("bad span");
    expect(seen).toHaveLength(1);
  });

  test("fails on a redirect instead of following it without the spans", async () => {
    const { url, seen } = collector([
      () => new Response(null, { status: 307, headers: { location: "/elsewhere" } }),
      () => new Response(""),
    ]);

    const result = await transport(url).send(payload, 5_000);

    expect(result.status).toBe("failure");
    expect((result as { error: OTLPExporterError }).error.code).toBe(307);
    expect(seen).toHaveLength(1);
  });

  test("fails at once on a network error that will not go away (TLS to a plain HTTP port)", async () => {
    const { url, seen } = collector([() => new Response("")]);

    const result = await transport(url.replace("http:", "https:")).send(payload, 5_000);

    expect(result.status).toBe("failure");
    expect(seen).toHaveLength(0);
  });

  test("fails on an answer over 4 MiB without reading all of it", async () => {
    const { url } = collector([() => new Response(new Uint8Array(5 * 1024 * 1024))]);

    const result = await transport(url).send(payload, 5_000);

    expect(result.status).toBe("failure");
    expect((result as { error: Error }).error.message).toContain("exceeded");
  });

  test("puts a configured user agent before its own", async () => {
    const { url, seen } = collector([() => new Response("")]);

    await transport(url, { userAgent: "hangout-auth/1.0" }).send(payload, 5_000);

    expect(seen[0]!.headers.get("user-agent")).toStartWith(
      "hangout-auth/1.0 OTel-OTLP-Exporter-JavaScript",
    );
  });

  test("retries a collector that is not up yet, and delivers once it is", async () => {
    const port = freePort();
    const url = `http://127.0.0.1:${port}/v1/traces`;
    const seen: Uint8Array[] = [];
    setTimeout(() => {
      servers.push(
        Bun.serve({
          hostname: "127.0.0.1",
          port,
          async fetch(request) {
            seen.push(new Uint8Array(await request.arrayBuffer()));
            return new Response("");
          },
        }),
      );
    }, 60);

    const result = await transport(url, { initialBackoffMs: 50 }).send(payload, 10_000);

    expect(result.status).toBe("success");
    expect(seen).toEqual([payload]);
  });

  test("a collector that does not answer within the timeout is retryable, not a hang", async () => {
    const { url } = collector([() => Bun.sleep(5_000).then(() => new Response(""))]);

    const started = Date.now();
    const result = await transport(url).send(payload, 300);

    expect(result.status).toBe("retryable");
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe("retryAfterMs", () => {
  test("reads delay-seconds and HTTP dates, and ignores anything else", () => {
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs("0")).toBe(0);
    expect(retryAfterMs(" 7 ")).toBe(7_000);
    // As the SDK reads them: the integer part of a fraction, and a negative delay as "now".
    expect(retryAfterMs("1.5")).toBe(1_000);
    expect(retryAfterMs("-1")).toBe(0);
    expect(retryAfterMs("soon")).toBeUndefined();
    expect(retryAfterMs(new Date(0).toUTCString())).toBe(0);
    const inAMinute = retryAfterMs(new Date(Date.now() + 60_000).toUTCString())!;
    expect(inAMinute).toBeGreaterThan(58_000);
    expect(inAMinute).toBeLessThanOrEqual(60_000);
  });
});
