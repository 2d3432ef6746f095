import { afterEach, describe, expect, test } from "bun:test";
import { context, SpanKind, trace } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  type ReadableSpan,
  SamplingDecision,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { EncodingSpanProcessor, type SpanExportOptions } from "./span-export.ts";
import { startOtlpReceiver } from "./testing/otlp-receiver.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A provider exporting through the processor under test, and recording what it ended. */
function setup(options: Omit<SpanExportOptions, "url"> & { url: string }, sampled = true) {
  const processor = new EncodingSpanProcessor(options);
  const ended: ReadableSpan[] = [];
  const recorder: SpanProcessor = {
    onStart: () => {},
    onEnd: (span) => void ended.push(span),
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const spanProcessors = [processor, recorder];
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": "span-export-test" }),
    spanProcessors,
    // Recorded but not sampled: onEnd runs, and the span must not be exported.
    sampler: sampled
      ? undefined
      : {
          shouldSample: () => ({ decision: SamplingDecision.RECORD }),
          toString: () => "RecordOnly",
        },
  });
  cleanups.push(() => provider.shutdown());
  return { processor, provider, ended: () => ended };
}

/** `count` request-like traces (a server span and a database span under it), from two scopes. */
function endTraces(provider: BasicTracerProvider, count: number) {
  const http = provider.getTracer("http", "1.2.3");
  const db = provider.getTracer("db");
  for (let i = 0; i < count; i++) {
    const server = http.startSpan("GET /things/{id}", {
      kind: SpanKind.SERVER,
      attributes: { "http.request.method": "GET", "url.path": `/things/${i}`, index: i },
    });
    const query = db.startSpan(
      "SELECT things",
      {
        kind: SpanKind.CLIENT,
        attributes: { "db.system.name": "mysql", ratio: i / 7, cached: i % 2 === 0 },
      },
      trace.setSpan(context.active(), server),
    );
    query.setAttribute("db.rows", [i, i + 1]);
    query.end();
    server.setAttribute("http.response.status_code", 200);
    server.end();
  }
}

/** What the receiver must have got for a span that ended. */
const expected = (span: ReadableSpan) => ({
  traceId: span.spanContext().traceId,
  spanId: span.spanContext().spanId,
  parentSpanId: span.parentSpanContext?.spanId,
  name: span.name,
  kind: span.kind + 1,
  service: "span-export-test",
  attributes: Object.fromEntries(
    Object.entries(span.attributes).map(([key, value]) => [
      key,
      // The test receiver reads scalar values; arrays arrive as OTLP array values.
      Array.isArray(value) ? undefined : value,
    ]),
  ),
});

const byId = (a: { spanId: string }, b: { spanId: string }) => a.spanId.localeCompare(b.spanId);

async function eventually(check: () => boolean, what: string) {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(10);
  }
}

/** An OTLP endpoint that holds every request until `release()`, then answers `status`. */
function heldEndpoint(status = 200) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let requests = 0;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      requests++;
      await request.arrayBuffer();
      await released;
      return new Response(status === 200 ? new Uint8Array() : "no", { status });
    },
  });
  cleanups.push(() => server.stop(true));
  return { url: `http://127.0.0.1:${server.port}/v1/traces`, release, requests: () => requests };
}

describe("EncodingSpanProcessor", () => {
  test("delivers every span, intact, across export requests", async () => {
    const receiver = startOtlpReceiver();
    cleanups.push(() => receiver.stop());
    const { provider, processor, ended } = setup({
      url: `${receiver.url}/v1/traces`,
      maxExportBatchSize: 100,
    });

    endTraces(provider, 125);
    await processor.forceFlush();

    const sent = ended();
    expect(sent).toHaveLength(250);
    // Spans from both scopes, parents and children, ints, doubles and booleans, as they ended.
    expect([...receiver.spans].sort(byId)).toEqual(sent.map(expected).sort(byId));
    // A request as soon as 100 were waiting (twice), then the last 50 on the flush.
    expect(receiver.requests()).toBe(3);
    expect(processor.droppedSpans).toBe(0);
    expect(processor.failedSpans).toBe(0);
  });

  test("sends on its own after the scheduled delay", async () => {
    const receiver = startOtlpReceiver();
    cleanups.push(() => receiver.stop());
    const { provider } = setup({ url: `${receiver.url}/v1/traces`, scheduledDelayMillis: 50 });

    endTraces(provider, 1);

    await eventually(() => receiver.spans.length === 2, "the two spans");
  });

  test("exports nothing of spans that are recorded but not sampled", async () => {
    const receiver = startOtlpReceiver();
    cleanups.push(() => receiver.stop());
    const { provider, processor, ended } = setup({ url: `${receiver.url}/v1/traces` }, false);

    endTraces(provider, 10);
    await processor.forceFlush();

    expect(ended()).toHaveLength(20);
    expect(receiver.spans).toHaveLength(0);
  });

  test("drops spans beyond the queue while the collector is stuck, and sends the rest later", async () => {
    const endpoint = heldEndpoint();
    const { provider, processor } = setup({
      url: endpoint.url,
      maxExportBatchSize: 32,
      maxQueueSize: 64,
      maxConcurrentExports: 1,
      scheduledDelayMillis: 60_000,
    });

    endTraces(provider, 100);

    // 32 spans in the one request allowed in flight, 64 queued behind it, the other 104 dropped.
    await eventually(() => endpoint.requests() === 1, "the first request");
    expect(processor.droppedSpans).toBe(104);
    endpoint.release();
    await processor.forceFlush();
    expect(endpoint.requests()).toBe(2);
    expect(processor.failedSpans).toBe(0);
  });

  test("counts the spans of requests the collector refuses", async () => {
    const endpoint = heldEndpoint(400);
    endpoint.release();
    const { provider, processor } = setup({ url: endpoint.url });

    endTraces(provider, 5);
    await processor.forceFlush();

    expect(processor.failedSpans).toBe(10);
    expect(processor.droppedSpans).toBe(0);
  });

  test("shutdown sends what ended before it and nothing after", async () => {
    const receiver = startOtlpReceiver();
    cleanups.push(() => receiver.stop());
    const { provider, processor } = setup({ url: `${receiver.url}/v1/traces` });

    endTraces(provider, 3);
    await processor.shutdown();
    expect(receiver.spans).toHaveLength(6);

    endTraces(provider, 3);
    await processor.forceFlush();
    expect(receiver.spans).toHaveLength(6);
  });
});
