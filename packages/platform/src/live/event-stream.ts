import type { Registry } from "prom-client";
import type { Logger } from "../logger.ts";
import { createStreamMetrics, type StreamMetrics } from "./stream-metrics.ts";

export interface StreamHubOptions {
  /** Between heartbeat comments; below the idle timeouts of Bun (10 s) and of every proxy. */
  heartbeatMs: number;
  /** The `retry:` hint: how long a client waits before reconnecting. */
  retryMs: number;
  /** Bytes a stream may hold that its client has not taken; past it the stream is dropped. */
  bufferLimitBytes: number;
  metrics?: Registry;
  logger: Logger;
}

export interface OpenStreamOptions {
  /** Called once, with the reason, however the stream closes. */
  onClose?: (reason: string) => void;
  /** Fields for this stream's log lines (which hangout, which user): never metric labels. */
  labels?: Record<string, string>;
}

export type StreamEvent = {
  id?: string;
  event: string;
} & (
  | { data: unknown }
  /** `data` already as JSON: one string shared by every stream that sends the same event. */
  | { json: string }
);

export interface EventStream {
  /** The HTTP answer carrying the stream; call it once. */
  response(headers?: Record<string, string>): Response;
  /** False when the stream is closed, or was dropped by this write (its client too slow). */
  send(event: StreamEvent): boolean;
  /** Sends `event: end` with `{ reason, ...data }` and closes the stream. Idempotent. */
  end(reason: string, data?: Record<string, unknown>): void;
  readonly closed: boolean;
  /** Bytes written that the HTTP layer has not taken yet. */
  readonly bufferedBytes: number;
}

export interface StreamHub {
  open(options?: OpenStreamOptions): EventStream;
  /** Ends every open stream (at shutdown, with `shutdown`). */
  endAll(reason: string): void;
  readonly size: number;
  /** Whether the shared heartbeat interval is scheduled (only while a stream is open). */
  readonly tickerRunning: boolean;
}

const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  // nginx-style proxies otherwise buffer the body and the events arrive in bursts.
  "x-accel-buffering": "no",
};

const encoder = new TextEncoder();
// One buffer for every stream's heartbeat: default (non-byte) streams hand chunks on without
// transferring them, so sharing it costs nothing per stream.
const PING = encoder.encode(": ping\n\n");

interface Shared {
  limit: number;
  retry: Uint8Array;
  metrics: StreamMetrics | undefined;
  logger: Logger;
  closed(stream: Stream): void;
}

/** `id` and `event` are ours: a line break in one would let data forge fields, so it is a bug. */
function field(name: string, value: string): string {
  if (/[\r\n]/.test(value)) throw new Error(`The event's ${name} must not contain a line break`);
  return value;
}

/**
 * One open connection. A class rather than closures: thousands of idle streams then share the
 * methods and each costs only its fields.
 */
class Stream implements EventStream {
  #closed = false;
  #controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  #body: ReadableStream<Uint8Array> | undefined;
  #onClose: ((reason: string) => void) | undefined;
  #labels: Record<string, string> | undefined;
  #shared: Shared;

  constructor(shared: Shared, options: OpenStreamOptions) {
    this.#shared = shared;
    this.#onClose = options.onClose;
    this.#labels = options.labels;
    this.#body = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.#controller = controller;
          controller.enqueue(shared.retry);
        },
        // The client went away (Bun cancels the body when the socket closes).
        cancel: () => this.#finish("client-closed"),
      },
      // Bun takes a chunk from this queue only when the socket can accept it, so the queue's
      // size is exactly what the client has not drained (beyond the kernel's socket buffers).
      // A high-water mark of 0 makes `desiredSize` minus that size.
      { highWaterMark: 0, size: (chunk) => chunk?.byteLength ?? 0 },
    );
  }

  get closed(): boolean {
    return this.#closed;
  }

  get bufferedBytes(): number {
    const desired = this.#controller?.desiredSize;
    return desired ? -desired : 0;
  }

  response(headers?: Record<string, string>): Response {
    const body = this.#body;
    if (!body) throw new Error("The stream's response was already taken");
    this.#body = undefined;
    return new Response(body, { headers: { ...SSE_HEADERS, ...headers } });
  }

  send(message: StreamEvent): boolean {
    const { id, event } = message;
    let frame = id === undefined ? "" : `id: ${field("id", id)}\n`;
    // JSON.stringify escapes every line break, so the data always fits on one `data:` line.
    const json = "json" in message ? field("data", message.json) : JSON.stringify(message.data);
    frame += `event: ${field("event", event)}\ndata: ${json ?? "null"}\n\n`;
    if (!this.write(encoder.encode(frame))) return false;
    this.#shared.metrics?.sent(event);
    return true;
  }

  end(reason: string, data?: Record<string, unknown>): void {
    const controller = this.#controller;
    if (this.#closed || !controller) return;
    const frame = `event: end\ndata: ${JSON.stringify({ reason, ...data })}\n\n`;
    // A client too slow for the end event is dropped like any other: it learns the reason
    // when it reconnects.
    if (!this.write(encoder.encode(frame))) return;
    this.#shared.metrics?.sent("end");
    try {
      controller.close();
    } catch {
      // Already closed by a cancel that has not reached us yet: nothing left to flush.
    }
    this.#finish(reason);
  }

  /** Enqueues unless that would pass the limit; then drops the stream instead. */
  write(bytes: Uint8Array): boolean {
    const controller = this.#controller;
    if (this.#closed || !controller) return false;
    const buffered = this.bufferedBytes;
    // An empty queue always takes the write: an event larger than the limit would otherwise
    // drop every reconnect that resumes before it, and the client would never get past it.
    if (buffered > 0 && buffered + bytes.byteLength > this.#shared.limit) {
      this.#shared.logger.info(
        { ...this.#labels, bufferedBytes: buffered, limitBytes: this.#shared.limit },
        "live stream dropped: its client is not reading",
      );
      // error(), not close(): close() would keep the queue until the client read it all, and
      // this client does not read. error() empties the queue now and Bun resets the connection
      // (no clean end), so the client resumes with Last-Event-ID. No Error argument: Bun would
      // print it to stderr as if unhandled.
      controller.error();
      this.#finish("slow-client");
      return false;
    }
    try {
      controller.enqueue(bytes);
      return true;
    } catch {
      // The body was closed under us before its cancel callback ran.
      this.#finish("client-closed");
      return false;
    }
  }

  #finish(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    // Drop what this stream holds: Bun keeps the body object until the socket closes. The body
    // itself stays until response() takes it: a stream ended before that still answers.
    this.#controller = undefined;
    const onClose = this.#onClose;
    this.#onClose = undefined;
    this.#shared.closed(this);
    this.#shared.metrics?.closed(reason);
    try {
      onClose?.(reason);
    } catch (error) {
      this.#shared.logger.error(
        { err: error, ...this.#labels, reason },
        "live stream onClose failed",
      );
    }
  }
}

/**
 * Every open Server-Sent Events stream of the process. One interval writes the heartbeats of
 * all of them, and runs only while one is open: a timer per stream would cost memory and
 * wake-ups per idle connection.
 */
export function createStreamHub(options: StreamHubOptions): StreamHub {
  const streams = new Set<Stream>();
  let ticker: Timer | undefined;
  const heartbeat = () => {
    for (const stream of streams) stream.write(PING);
  };
  const shared: Shared = {
    limit: options.bufferLimitBytes,
    retry: encoder.encode(`retry: ${options.retryMs}\n\n`),
    metrics: options.metrics ? createStreamMetrics(options.metrics) : undefined,
    logger: options.logger,
    closed(stream) {
      if (streams.delete(stream) && streams.size === 0 && ticker) {
        clearInterval(ticker);
        ticker = undefined;
      }
    },
  };
  return {
    open(openOptions = {}) {
      const stream = new Stream(shared, openOptions);
      streams.add(stream);
      shared.metrics?.opened();
      if (!ticker) {
        ticker = setInterval(heartbeat, options.heartbeatMs);
        // The open connections keep the process alive; the timer alone must not hold a
        // stopping process (or a test run) open.
        ticker.unref();
      }
      return stream;
    },
    endAll(reason) {
      // A copy: each end() removes its stream from the set.
      for (const stream of [...streams]) stream.end(reason);
    },
    get size() {
      return streams.size;
    },
    get tickerRunning() {
      return ticker !== undefined;
    },
  };
}
