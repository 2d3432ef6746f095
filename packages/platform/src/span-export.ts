import { diag, TraceFlags } from "@opentelemetry/api";
import {
  createOtlpNetworkExportDelegate,
  OTLPExporterBase,
} from "@opentelemetry/otlp-exporter-base";
import {
  convertLegacyHttpOptions,
  createOtlpHttpExporterMetrics,
} from "@opentelemetry/otlp-exporter-base/node-http";
import {
  type IExportTraceServiceResponse,
  type ISerializer,
  ProtobufTraceSerializer,
} from "@opentelemetry/otlp-transformer";
import type { ReadableSpan, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { OtlpSpanEncoder } from "./otlp-spans.ts";
import { createFetchTransport } from "./otlp-transport.ts";

/** An encoded ExportTraceServiceRequest and how many spans it carries. */
interface EncodedSpans {
  body: Uint8Array;
  spans: number;
}

export interface SpanExportOptions {
  /** The OTLP/HTTP traces endpoint (`…/v1/traces`). */
  url: string;
  /** Spans waiting to be sent, beyond which new ones are dropped. */
  maxQueueSize?: number;
  /** Spans per export request, once that many are waiting. */
  maxExportBatchSize?: number;
  /** The longest a span waits to be sent. */
  scheduledDelayMillis?: number;
  /** Export requests in flight at once; more waiting spans stay queued. */
  maxConcurrentExports?: number;
}

/**
 * Exports spans over OTLP/HTTP (protobuf), encoding each one as it ends (otlp-spans.ts) instead
 * of holding it until a batch of 512 is sent.
 *
 * Why not the SDK's BatchSpanProcessor: it keeps every ended span alive until its batch is
 * encoded, so under load spans outlive young-generation collections and the heap grows. The
 * exporter (configuration, bounded concurrency) is still the OpenTelemetry SDK's, its requests go
 * over Bun's fetch with the SDK's retry policy (otlp-transport.ts), and the bytes are what its
 * protobuf serializer would send. Measured on auth under load: README, "Platform conventions",
 * Traces.
 *
 * Like the BatchSpanProcessor it drops spans rather than queueing without bound when the
 * collector falls behind; `droppedSpans` and `failedSpans` count what was lost.
 */
export class EncodingSpanProcessor implements SpanProcessor {
  readonly #exporter: OTLPExporterBase<EncodedSpans>;
  readonly #maxQueueSize: number;
  readonly #maxExportBatchSize: number;
  readonly #maxConcurrentExports: number;
  readonly #timer: Timer;
  readonly #exporting = new Set<Promise<void>>();
  readonly #encoder = new OtlpSpanEncoder();
  #dropped = 0;
  #failed = 0;
  #shutdown?: Promise<void>;

  constructor(options: SpanExportOptions) {
    this.#maxQueueSize = options.maxQueueSize ?? 2048;
    this.#maxExportBatchSize = options.maxExportBatchSize ?? 512;
    this.#maxConcurrentExports = options.maxConcurrentExports ?? 4;
    this.#exporter = encodedSpanExporter(options.url);
    this.#timer = setInterval(() => this.#export(), options.scheduledDelayMillis ?? 1000);
    this.#timer.unref();
  }

  /** Spans dropped because the queue was full. */
  get droppedSpans() {
    return this.#dropped;
  }

  /** Spans in export requests that failed (after the exporter's own retries). */
  get failedSpans() {
    return this.#failed;
  }

  onStart() {}

  onEnd(span: ReadableSpan) {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0 || this.#shutdown) return;
    if (this.#encoder.spans >= this.#maxQueueSize) {
      this.#dropped++;
      return;
    }
    this.#encoder.add(span);
    if (this.#encoder.spans >= this.#maxExportBatchSize) this.#export();
  }

  /** Sends every span ended so far and waits until each request has succeeded or failed. */
  async forceFlush(): Promise<void> {
    this.#export({ force: true });
    await Promise.all(this.#exporting);
  }

  shutdown(): Promise<void> {
    this.#shutdown ??= (async () => {
      clearInterval(this.#timer);
      await this.forceFlush();
      await this.#exporter.shutdown();
    })();
    return this.#shutdown;
  }

  #export({ force = false } = {}) {
    if (!force && this.#exporting.size >= this.#maxConcurrentExports) return;
    const spans = this.#encoder.spans;
    const body = this.#encoder.take();
    if (!body) return;
    const batch = { body, spans };
    const sent = new Promise<void>((resolve) =>
      this.#exporter.export(batch, ({ error }) => {
        if (error) {
          this.#failed += batch.spans;
          diag.warn(`span export failed (${batch.spans} spans): ${error.message}`);
        }
        resolve();
      }),
    );
    this.#exporting.add(sent);
    void sent.then(() => {
      this.#exporting.delete(sent);
      // Spans that queued up while every export slot was busy go out now.
      if (this.#encoder.spans >= this.#maxExportBatchSize) this.#export();
    });
  }
}

/**
 * The SDK's OTLP/HTTP exporter (configuration from options and OTEL_EXPORTER_OTLP_* env, bounded
 * concurrency, self-metrics), sending requests that are already encoded over Bun's fetch.
 */
function encodedSpanExporter(url: string) {
  const serializer: ISerializer<EncodedSpans, IExportTraceServiceResponse> = {
    serializeRequest: (batch) => batch.body,
    deserializeResponse: (data) => ProtobufTraceSerializer.deserializeResponse(data),
  };
  const options = convertLegacyHttpOptions({ url }, "TRACES", "v1/traces", {
    "Content-Type": "application/x-protobuf",
  });
  const metricsHelper = { name: "span" as const, countItems: (batch: EncodedSpans) => batch.spans };
  const metrics = createOtlpHttpExporterMetrics(
    "otlp_http_span_exporter",
    metricsHelper,
    options.url,
    undefined,
  );
  return new OTLPExporterBase(
    createOtlpNetworkExportDelegate(options, serializer, metrics, createFetchTransport(options)),
  );
}
