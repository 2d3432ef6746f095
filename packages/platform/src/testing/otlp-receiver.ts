/** A real OTLP/HTTP JSON trace receiver on loopback, collecting every span it is sent. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
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
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const text = await request.text();
      bodies.push(text);
      const payload = JSON.parse(text) as {
        resourceSpans: {
          resource: { attributes: { key: string; value: OtlpValue }[] };
          scopeSpans: {
            spans: (Omit<ReceivedSpan, "attributes" | "service"> & {
              attributes?: { key: string; value: OtlpValue }[];
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
    stop: () => server.stop(true),
  };
}

function otlpValue(value: OtlpValue | undefined): unknown {
  if (!value) return undefined;
  return value.stringValue ?? value.intValue ?? value.boolValue ?? value.doubleValue;
}
