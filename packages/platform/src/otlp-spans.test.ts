import { afterEach, describe, expect, test } from "bun:test";
import {
  type Context,
  context,
  createTraceState,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  trace,
} from "@opentelemetry/api";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { OtlpSpanEncoder } from "./otlp-spans.ts";

const providers: BasicTracerProvider[] = [];
afterEach(async () => {
  for (const provider of providers.splice(0)) await provider.shutdown();
});

/** A provider whose ended spans are collected, as a span processor sees them. */
function recordingProvider(service: string, schemaUrl?: string) {
  const ended: ReadableSpan[] = [];
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(
      { "service.name": service, "service.instance.id": "i-1", "host.cores": 2 },
      { schemaUrl },
    ),
    spanProcessors: [
      {
        onStart: () => {},
        onEnd: (span) => void ended.push(span),
        forceFlush: async () => {},
        shutdown: async () => {},
      },
    ],
  });
  providers.push(provider);
  return { provider, ended };
}

const remoteParent = (): Context =>
  trace.setSpanContext(ROOT_CONTEXT, {
    traceId: "0af7651916cd43dd8448eb211c80319c",
    spanId: "b7ad6b7169203331",
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
    traceState: createTraceState("vendor=opaque,other=1"),
  });

/** Spans with every field and attribute type the OTLP span message carries. */
function everyKindOfSpan(provider: BasicTracerProvider, index: number) {
  const http = provider.getTracer("http", "1.2.3", { schemaUrl: "https://example.com/s/1.0" });
  const db = provider.getTracer("db");
  const server = http.startSpan(
    `GET /things/{id} ${index}`,
    {
      kind: SpanKind.SERVER,
      attributes: {
        "url.path": `/things/${index}`,
        "user_agent.original": "Mozilla/5.0 (Ünïcode ☃ 😀)",
        count: index,
        negative: -42,
        large: 2 ** 40 + index,
        ratio: index / 7,
        flag: index % 2 === 0,
        tags: ["a", "β", ""],
        ids: [1, 2, 3],
        mixed: [true, false],
        sparse: ["x", null as unknown as string, "y"],
        empty: [],
      },
      links: [
        {
          context: trace.getSpanContext(remoteParent())!,
          attributes: { reason: "batch" },
        },
      ],
    },
    index % 2 === 0 ? remoteParent() : ROOT_CONTEXT,
  );
  server.addEvent("cache miss", { key: `k${index}`, attempt: 2 });
  server.addEvent("no attributes");
  const query = db.startSpan(
    "SELECT things",
    { kind: SpanKind.CLIENT, attributes: { "db.system.name": "mysql" } },
    trace.setSpan(context.active(), server),
  );
  query.setStatus({ code: SpanStatusCode.ERROR, message: "deadlock ☹" });
  query.end();
  const internal = http.startSpan("", {}, trace.setSpan(context.active(), server));
  internal.setStatus({ code: SpanStatusCode.OK });
  internal.end();
  server.setAttribute("http.response.status_code", 200);
  server.end();
}

/** What the SDK's own serializer makes of `spans`: the encoder must produce exactly this. */
const sdkEncoding = (spans: ReadableSpan[]) =>
  Buffer.from(ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array);

describe("OtlpSpanEncoder", () => {
  test("encodes spans byte for byte as the SDK's protobuf serializer does", () => {
    const { provider, ended } = recordingProvider("otlp-spans-test", "https://example.com/r/1");
    for (let i = 0; i < 25; i++) everyKindOfSpan(provider, i);
    const encoder = new OtlpSpanEncoder();
    for (const span of ended) encoder.add(span);
    expect(encoder.spans).toBe(75);
    const body = encoder.take();
    expect(body).toBeDefined();
    expect(Buffer.from(body as Uint8Array).equals(sdkEncoding(ended))).toBe(true);
  });

  test("groups spans of several resources and scopes the way the SDK does", () => {
    const first = recordingProvider("first");
    const second = recordingProvider("second");
    const all: ReadableSpan[] = [];
    const encoder = new OtlpSpanEncoder();
    for (let i = 0; i < 6; i++) {
      everyKindOfSpan((i % 3 === 0 ? second : first).provider, i);
      for (const span of [...first.ended.splice(0), ...second.ended.splice(0)]) {
        all.push(span);
        encoder.add(span);
      }
    }
    expect(Buffer.from(encoder.take() as Uint8Array).equals(sdkEncoding(all))).toBe(true);
  });

  test("a span over 16 KiB, whose length needs three bytes, is framed correctly", () => {
    const { provider, ended } = recordingProvider("big");
    const span = provider.getTracer("t").startSpan("big", {
      attributes: { "db.query.text": "x".repeat(20_000), other: "é".repeat(10_000) },
    });
    span.end();
    const encoder = new OtlpSpanEncoder();
    encoder.add(ended[0]!);
    expect(Buffer.from(encoder.take() as Uint8Array).equals(sdkEncoding(ended))).toBe(true);
  });

  test("take() returns only the spans added since the previous take, then nothing", () => {
    const { provider, ended } = recordingProvider("again");
    const encoder = new OtlpSpanEncoder();
    expect(encoder.take()).toBeUndefined();
    everyKindOfSpan(provider, 1);
    for (const span of ended) encoder.add(span);
    const first = Buffer.from(encoder.take() as Uint8Array);
    expect(first.equals(sdkEncoding(ended))).toBe(true);
    expect(encoder.spans).toBe(0);
    expect(encoder.take()).toBeUndefined();

    // The buffers are reused: the second request must not carry any of the first one's bytes.
    const next = ended.splice(0);
    everyKindOfSpan(provider, 2);
    for (const span of ended) encoder.add(span);
    const second = Buffer.from(encoder.take() as Uint8Array);
    expect(second.equals(sdkEncoding(ended))).toBe(true);
    expect(second.equals(first)).toBe(false);
    // And the first request's bytes are its own: taking again did not overwrite them.
    expect(first.equals(sdkEncoding(next))).toBe(true);
  });
});
