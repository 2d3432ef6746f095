import { diag, TraceFlags } from "@opentelemetry/api";
import { OTLPExporterBase } from "@opentelemetry/otlp-exporter-base";
import {
  convertLegacyHttpOptions,
  createOtlpHttpExportDelegate,
} from "@opentelemetry/otlp-exporter-base/node-http";
import {
  type IExportTraceServiceResponse,
  type ISerializer,
  ProtobufTraceSerializer,
} from "@opentelemetry/otlp-transformer";
import type { ReadableSpan, SpanProcessor } from "@opentelemetry/sdk-trace-base";

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

// Spans are encoded this many at a time, as they end: long enough to amortise the resource and
// scope each encoding carries, short enough that a span is garbage within a millisecond or so.
const ENCODE_EVERY = 32;

/**
 * Exports spans over OTLP/HTTP (protobuf), encoding them shortly after they end instead of
 * holding them until a batch of 512 is sent.
 *
 * Why not the SDK's BatchSpanProcessor: it keeps every ended span alive until its batch is
 * encoded, so under load spans outlive young-generation collections and the heap grows. Measured
 * on auth under load, this processor costs ~10% less CPU per request and 10-20 MB less peak RSS
 * (README, "Platform conventions", Traces). The encoding and the HTTP transport (timeouts, retries, bounded
 * concurrency) are still the OpenTelemetry exporter's own: each group of spans is encoded with
 * the SDK's protobuf serializer, and an export request is those encodings back to back. That is
 * one valid ExportTraceServiceRequest, since protobuf appends the repeated `resource_spans` of
 * concatenated messages.
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
  #ended: ReadableSpan[] = [];
  #encoded: Uint8Array[] = [];
  #encodedSpans = 0;
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
    if (this.#ended.length + this.#encodedSpans >= this.#maxQueueSize) {
      this.#dropped++;
      return;
    }
    this.#ended.push(span);
    if (this.#ended.length >= ENCODE_EVERY) this.#encode();
    if (this.#encodedSpans >= this.#maxExportBatchSize) this.#export();
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

  #encode() {
    if (this.#ended.length === 0) return;
    const body = ProtobufTraceSerializer.serializeRequest(this.#ended);
    if (body) this.#encoded.push(body);
    this.#encodedSpans += this.#ended.length;
    this.#ended = [];
  }

  #export({ force = false } = {}) {
    if (!force && this.#exporting.size >= this.#maxConcurrentExports) return;
    this.#encode();
    if (this.#encodedSpans === 0) return;
    const batch = { body: Buffer.concat(this.#encoded), spans: this.#encodedSpans };
    this.#encoded = [];
    this.#encodedSpans = 0;
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
      if (this.#encodedSpans + this.#ended.length >= this.#maxExportBatchSize) this.#export();
    });
  }
}

/** The SDK's OTLP/HTTP exporter, sending requests that are already encoded. */
function encodedSpanExporter(url: string) {
  const serializer: ISerializer<EncodedSpans, IExportTraceServiceResponse> = {
    serializeRequest: (batch) => batch.body,
    deserializeResponse: (data) => ProtobufTraceSerializer.deserializeResponse(data),
  };
  const options = convertLegacyHttpOptions({ url }, "TRACES", "v1/traces", {
    "Content-Type": "application/x-protobuf",
  });
  const metricsHelper = { name: "span" as const, countItems: (batch: EncodedSpans) => batch.spans };
  return new OTLPExporterBase(
    createOtlpHttpExportDelegate(
      options,
      serializer,
      "otlp_http_span_exporter",
      metricsHelper,
      undefined,
    ),
  );
}
