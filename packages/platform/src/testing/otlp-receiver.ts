import protobuf from "protobufjs";

/**
 * A real OTLP/HTTP trace receiver on loopback, collecting every span it is sent, in protobuf
 * (the exporter's default) or JSON. Only the fields tests read are declared; protobuf skips the
 * rest. Field numbers are those of opentelemetry-proto's trace/v1 and common/v1.
 */
const { root } = protobuf.parse(`
  syntax = "proto3";
  message ExportTraceServiceRequest { repeated ResourceSpans resourceSpans = 1; }
  message ResourceSpans { Resource resource = 1; repeated ScopeSpans scopeSpans = 2; }
  message Resource { repeated KeyValue attributes = 1; }
  message ScopeSpans { repeated Span spans = 2; }
  message Span {
    bytes traceId = 1; bytes spanId = 2; bytes parentSpanId = 4; string name = 5; int32 kind = 6;
    repeated KeyValue attributes = 9; repeated Link links = 13;
  }
  message Link { bytes traceId = 1; bytes spanId = 2; }
  message KeyValue { string key = 1; AnyValue value = 2; }
  message AnyValue {
    oneof value { string stringValue = 1; bool boolValue = 2; int64 intValue = 3; double doubleValue = 4; }
  }
`);
const ExportTraceServiceRequest = root.lookupType("ExportTraceServiceRequest");

interface DecodedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  links?: SpanLink[];
}

/** The request in OTLP/JSON's shape (ids as hex), whichever encoding it came in. */
function decode(body: Uint8Array, contentType: string | null): unknown {
  if (contentType?.includes("json")) return JSON.parse(new TextDecoder().decode(body));
  const hex = (base64?: string) => (base64 ? Buffer.from(base64, "base64").toString("hex") : "");
  const request = ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(body), {
    bytes: String,
    longs: Number,
    arrays: true,
  }) as { resourceSpans: { scopeSpans: { spans: DecodedSpan[] }[] }[] };
  for (const resource of request.resourceSpans)
    for (const scope of resource.scopeSpans)
      for (const span of scope.spans) {
        span.traceId = hex(span.traceId);
        span.spanId = hex(span.spanId);
        span.parentSpanId = hex(span.parentSpanId);
        span.links = (span.links ?? []).map((l) => ({
          traceId: hex(l.traceId),
          spanId: hex(l.spanId),
        }));
      }
  return request;
}

/** A span link (to another trace's span: a consumer's span to the producing request's). */
export interface SpanLink {
  traceId: string;
  spanId: string;
}

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  links: SpanLink[];
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  service: string;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}

export function startOtlpReceiver() {
  const spans: ReceivedSpan[] = [];
  const bodies: string[] = [];
  const userAgents: string[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const body = new Uint8Array(await request.arrayBuffer());
      // Raw bytes as text: protobuf keeps strings verbatim, so secret searches work on either.
      bodies.push(new TextDecoder().decode(body));
      userAgents.push(request.headers.get("user-agent") ?? "");
      const payload = decode(body, request.headers.get("content-type")) as {
        resourceSpans: {
          resource: { attributes: { key: string; value: OtlpValue }[] };
          scopeSpans: {
            spans: (Omit<ReceivedSpan, "attributes" | "service" | "links"> & {
              attributes?: { key: string; value: OtlpValue }[];
              links?: SpanLink[];
            })[];
          }[];
        }[];
      };
      for (const resourceSpans of payload.resourceSpans) {
        const service = String(
          otlpValue(resourceSpans.resource.attributes.find((a) => a.key === "service.name")?.value),
        );
        for (const scope of resourceSpans.scopeSpans) {
          for (const span of scope.spans) {
            spans.push({
              ...span,
              parentSpanId: span.parentSpanId || undefined,
              links: (span.links ?? []).map(({ traceId, spanId }) => ({ traceId, spanId })),
              service,
              attributes: Object.fromEntries(
                (span.attributes ?? []).map((a) => [a.key, otlpValue(a.value)]),
              ),
            });
          }
        }
      }
      return Response.json({});
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    spans,
    /** Every request body as received, for "never contains" assertions. */
    raw: () => bodies.join("\n"),
    /** How many export requests arrived. */
    requests: () => bodies.length,
    /** Each export request's User-Agent: which exporter sent it. */
    userAgents: () => [...userAgents],
    stop: () => server.stop(true),
  };
}

function otlpValue(value: OtlpValue | undefined): unknown {
  if (!value) return undefined;
  return value.stringValue ?? value.intValue ?? value.boolValue ?? value.doubleValue;
}
