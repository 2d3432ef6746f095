import {
  type Attributes,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import { withoutQueryValues } from "./query-errors.ts";

/** Re-exported so services name span kinds without depending on the API package themselves. */
export { SpanKind };
export interface Telemetry {
  tracer: Tracer;
  /** Flushes pending spans; call during shutdown. */
  shutdown(): Promise<void>;
}

let provider: NodeTracerProvider | undefined;

/**
 * Registers the process-wide tracer provider (AsyncLocalStorage context, W3C trace context and
 * baggage propagation). Spans are always created, so trace ids reach the logs; they are exported
 * only when an endpoint is configured, by the SDK's BatchSpanProcessor and OTLP/HTTP protobuf
 * exporter (docs/decisions/0001-otlp-export.md). Both are left to the SDK's defaults so that the
 * standard variables tune them: OTEL_BSP_* the batches, OTEL_EXPORTER_OTLP_* (timeout,
 * compression, headers) the requests, OTEL_TRACES_SAMPLER(_ARG) the sampling. One provider per
 * process: a second call returns the first (tests build several apps in one process).
 */
export function initTelemetry(options: { service: string; otlpEndpoint?: string }): Telemetry {
  if (!provider) {
    const spanProcessors = [];
    if (options.otlpEndpoint) {
      // The path the SDK itself appends to OTEL_EXPORTER_OTLP_ENDPOINT.
      const url = `${options.otlpEndpoint.replace(/\/$/, "")}/v1/traces`;
      spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url })));
    }
    provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.service }),
      spanProcessors,
    });
    provider.register();
  }
  const registered = provider;
  return {
    tracer: trace.getTracer(options.service),
    shutdown: () => registered.shutdown(),
  };
}

/**
 * Runs `fn` inside a child span of the active one, which is active inside `fn` so that its own
 * spans nest under it. Use it around outgoing calls; attributes must never carry secrets or
 * user-supplied free text.
 */
export async function withSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
  kind: SpanKind = SpanKind.INTERNAL,
): Promise<T> {
  return trace.getTracer("hangout").startActiveSpan(name, { kind, attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      markFailed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * A client span for one database statement (OpenTelemetry database semantic conventions). A
 * statement has no children, so the span is never made the active one: that saves a context
 * switch on every query, on the hot path of every request.
 */
export async function dbSpan<T>(
  operation: string,
  table: string,
  fn: () => Promise<T>,
): Promise<T> {
  const span = trace.getTracer("hangout").startSpan(`${operation} ${table}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      "db.system.name": "mysql",
      "db.operation.name": operation,
      "db.collection.name": table,
    },
  });
  try {
    return await fn();
  } catch (error) {
    markFailed(span, error);
    // Every repository call comes through here: past this point no log line, span or response
    // can carry the statement's values.
    throw withoutQueryValues(error);
  } finally {
    span.end();
  }
}

/** Error status plus the error's type; never its message, which may carry user data. */
function markFailed(span: Span, error: unknown) {
  span.setStatus({ code: SpanStatusCode.ERROR });
  span.setAttribute("error.type", error instanceof Error ? error.name : "unknown");
}
