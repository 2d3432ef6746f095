import type { Attributes, AttributeValue, HrTime, SpanContext } from "@opentelemetry/api";
import type { Resource } from "@opentelemetry/resources";
import type { ReadableSpan, TimedEvent } from "@opentelemetry/sdk-trace-base";

type Scope = ReadableSpan["instrumentationScope"];

/**
 * Encodes ended spans into an OTLP `ExportTraceServiceRequest` (protobuf) as they arrive, one
 * pass each, into buffers that are reused from one request to the next; `take()` returns the
 * request for everything added since the last one.
 *
 * Why not the SDK's `ProtobufTraceSerializer`: it encodes a list of spans in two passes (a size
 * estimate, then the bytes) into a fresh buffer, with a fresh array per id, so it is only cheap
 * per span when spans are held and encoded many at a time, and holding spans is what made the
 * heap grow (span-export.ts). This encoder keeps no span and makes no garbage per span; its output
 * is byte for byte what the SDK's serializer produces for the same spans (otlp-spans.test.ts
 * checks that), so the wire format stays the SDK's. Measured on auth under load: README,
 * "Platform conventions", Traces.
 */
export class OtlpSpanEncoder {
  // Spans grouped as the SDK groups them: by resource, then by instrumentation scope, in the
  // order each first appeared. The writers are kept, and refilled, across requests.
  readonly #groups = new Map<Resource, Map<Scope, ProtoWriter>>();
  readonly #request = new ProtoWriter(64 * 1024);
  #spans = 0;

  /** Spans added since the last `take()`. */
  get spans() {
    return this.#spans;
  }

  add(span: ReadableSpan) {
    let scopes = this.#groups.get(span.resource);
    if (!scopes) {
      scopes = new Map();
      this.#groups.set(span.resource, scopes);
    }
    let writer = scopes.get(span.instrumentationScope);
    if (!writer) {
      writer = new ProtoWriter(16 * 1024);
      scopes.set(span.instrumentationScope, writer);
    }
    writer.tag(2, LEN);
    writeSpan(writer, span);
    this.#spans++;
  }

  /** The request for every span added since the last call (undefined when there is none). */
  take(): Uint8Array | undefined {
    if (this.#spans === 0) return undefined;
    const out = this.#request;
    out.pos = 0;
    for (const [resource, scopes] of this.#groups) {
      if (![...scopes.values()].some((spans) => spans.pos > 0)) continue;
      out.tag(1, LEN);
      // Three bytes hold a length up to 2 MiB; `close` moves the content when it needs fewer.
      const resourceSpans = out.open(3);
      writeResource(out, resource);
      for (const [scope, spans] of scopes) {
        if (spans.pos === 0) continue;
        out.tag(2, LEN);
        const scopeSpans = out.open(3);
        writeScope(out, scope);
        out.raw(spans.bytes.subarray(0, spans.pos));
        spans.pos = 0;
        if (scope.schemaUrl) out.field(3, scope.schemaUrl);
        out.close(scopeSpans, 3);
      }
      if (resource.schemaUrl) out.field(3, resource.schemaUrl);
      out.close(resourceSpans, 3);
    }
    this.#spans = 0;
    return out.bytes.slice(0, out.pos);
  }
}

// ---------------------------------------------------------------------------------------------
// Messages (opentelemetry/proto/trace/v1/trace.proto), fields in the SDK serializer's order.

const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

function writeResource(w: ProtoWriter, resource: Resource) {
  w.tag(1, LEN);
  const start = w.open();
  writeAttributes(w, 1, resource.attributes);
  w.tag(2, VARINT);
  w.varint(0);
  w.close(start);
}

function writeScope(w: ProtoWriter, scope: Scope) {
  w.tag(1, LEN);
  const start = w.open();
  w.field(1, scope.name);
  if (scope.version) w.field(2, scope.version);
  const { attributes, droppedAttributesCount } = scope as {
    attributes?: Attributes;
    droppedAttributesCount?: number;
  };
  if (attributes) writeAttributes(w, 3, attributes);
  if (droppedAttributesCount) {
    w.tag(4, VARINT);
    w.varint(droppedAttributesCount);
  }
  w.close(start);
}

function writeSpan(w: ProtoWriter, span: ReadableSpan) {
  // A span is usually 128 bytes to 16 KiB long: two bytes are kept for its length.
  const start = w.open(2);
  const context = span.spanContext();
  writeContext(w, context);
  const parent = span.parentSpanContext;
  if (parent?.spanId) {
    w.tag(4, LEN);
    w.hexBytes(parent.spanId);
  }
  w.field(5, span.name);
  // OTLP numbers kinds from 1 (0 is UNSPECIFIED); the API from 0.
  if (span.kind != null) {
    w.tag(6, VARINT);
    w.varint(span.kind + 1);
  }
  w.tag(7, I64);
  w.hrTime(span.startTime);
  w.tag(8, I64);
  w.hrTime(span.endTime);
  writeAttributes(w, 9, span.attributes);
  w.tag(10, VARINT);
  w.varint(span.droppedAttributesCount);
  for (const event of span.events) writeEvent(w, event);
  w.tag(12, VARINT);
  w.varint(span.droppedEventsCount);
  for (const link of span.links) {
    w.tag(13, LEN);
    const linkStart = w.open();
    writeContext(w, link.context);
    if (link.attributes) writeAttributes(w, 4, link.attributes);
    w.tag(5, VARINT);
    w.varint(link.droppedAttributesCount ?? 0);
    w.tag(6, I32);
    w.fixed32(spanFlags(link.context.traceFlags, link.context.isRemote));
    w.close(linkStart);
  }
  w.tag(14, VARINT);
  w.varint(span.droppedLinksCount);
  w.tag(15, LEN);
  const status = w.open();
  if (span.status.message) w.field(2, span.status.message);
  w.tag(3, VARINT);
  w.varint(span.status.code);
  w.close(status);
  w.tag(16, I32);
  w.fixed32(spanFlags(context.traceFlags, parent?.isRemote));
  w.close(start, 2);
}

/** Fields 1-3 of a span and of a link alike: trace id, span id, trace state. */
function writeContext(w: ProtoWriter, context: SpanContext) {
  w.tag(1, LEN);
  w.hexBytes(context.traceId);
  w.tag(2, LEN);
  w.hexBytes(context.spanId);
  const traceState = context.traceState?.serialize();
  if (traceState) w.field(3, traceState);
}

function writeEvent(w: ProtoWriter, event: TimedEvent) {
  w.tag(11, LEN);
  const start = w.open();
  w.tag(1, I64);
  w.hrTime(event.time);
  w.field(2, event.name);
  if (event.attributes) writeAttributes(w, 3, event.attributes);
  w.tag(4, VARINT);
  w.varint(event.droppedAttributesCount ?? 0);
  w.close(start);
}

/** The span flags field: W3C trace flags plus "whether the parent is remote is known". */
const spanFlags = (traceFlags: number, isRemote: boolean | undefined) =>
  (traceFlags & 0xff) | 0x100 | (isRemote ? 0x200 : 0);

function writeAttributes(w: ProtoWriter, field: number, attributes: Attributes) {
  for (const key in attributes) {
    if (!Object.hasOwn(attributes, key)) continue;
    w.tag(field, LEN);
    writeKeyValue(w, key, attributes[key]);
  }
}

function writeKeyValue(w: ProtoWriter, key: string, value: unknown) {
  const start = w.open();
  w.field(1, key);
  w.tag(2, LEN);
  const valueStart = w.open();
  writeAnyValue(w, value);
  w.close(valueStart);
  w.close(start);
}

/** An AnyValue's fields (the caller frames it); `undefined` and `null` are an empty value. */
function writeAnyValue(w: ProtoWriter, value: AttributeValue | unknown) {
  switch (typeof value) {
    case "string":
      w.field(1, value);
      return;
    case "boolean":
      w.tag(2, VARINT);
      w.varint(value ? 1 : 0);
      return;
    case "number":
      if (Number.isInteger(value) && value >= -(2 ** 63) && value < 2 ** 63) {
        w.tag(3, VARINT);
        w.varint(value);
      } else {
        w.tag(4, I64);
        w.double(value);
      }
      return;
  }
  if (value instanceof Uint8Array) {
    w.tag(7, LEN);
    w.varint(value.length);
    w.raw(value);
  } else if (Array.isArray(value)) {
    w.tag(5, LEN);
    const start = w.open();
    for (const item of value) {
      w.tag(1, LEN);
      const itemStart = w.open();
      writeAnyValue(w, item);
      w.close(itemStart);
    }
    w.close(start);
  } else if (typeof value === "object" && value !== null) {
    w.tag(6, LEN);
    const start = w.open();
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      w.tag(1, LEN);
      writeKeyValue(w, key, (value as Record<string, unknown>)[key]);
    }
    w.close(start);
  }
}

const varintSize = (value: number) =>
  value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5;

// ---------------------------------------------------------------------------------------------
// The wire format (protobuf.dev/programming-guides/encoding)

const HEX = new Uint8Array(128);
for (let i = 0; i < 16; i++) {
  HEX["0123456789abcdef".charCodeAt(i)] = i;
  HEX["0123456789ABCDEF".charCodeAt(i)] = i;
}

/** A growable buffer with the protobuf primitives the messages above need. */
class ProtoWriter {
  bytes: Uint8Array;
  #view: DataView;
  pos = 0;
  readonly #utf8 = new TextEncoder();

  constructor(capacity: number) {
    this.bytes = new Uint8Array(capacity);
    this.#view = new DataView(this.bytes.buffer);
  }

  #ensure(size: number) {
    if (this.pos + size <= this.bytes.length) return;
    let capacity = this.bytes.length * 2;
    while (capacity < this.pos + size) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.bytes.subarray(0, this.pos));
    this.bytes = grown;
    this.#view = new DataView(grown.buffer);
  }

  tag(field: number, wireType: number) {
    this.varint((field << 3) | wireType);
  }

  varint(value: number) {
    this.#ensure(10);
    const bytes = this.bytes;
    if (value >= 0 && value <= 0xffffffff) {
      let v = value >>> 0;
      while (v > 0x7f) {
        bytes[this.pos++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      bytes[this.pos++] = v;
      return;
    }
    // Beyond 32 bits (and negative numbers, as 64-bit two's complement): ten bytes at most.
    const abs = Math.abs(value);
    let low = abs >>> 0;
    let high = (abs / 0x100000000) >>> 0;
    if (value < 0) {
      low = ~low >>> 0;
      high = ~high >>> 0;
      low = (low + 1) >>> 0;
      if (low === 0) high = (high + 1) >>> 0;
    }
    while (high > 0 || low > 0x7f) {
      bytes[this.pos++] = (low & 0x7f) | 0x80;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    bytes[this.pos++] = low;
  }

  fixed32(value: number) {
    this.#ensure(4);
    this.#view.setUint32(this.pos, value >>> 0, true);
    this.pos += 4;
  }

  double(value: number) {
    this.#ensure(8);
    this.#view.setFloat64(this.pos, value, true);
    this.pos += 8;
  }

  /** An HrTime ([seconds, nanoseconds]) as fixed64 nanoseconds, exact beyond 2^53. */
  hrTime([seconds, nanos]: HrTime) {
    this.#ensure(8);
    const fromLow = (seconds % 0x10000) * 1e9;
    const fromHigh = Math.floor(seconds / 0x10000) * 1e9;
    // seconds * 1e9 = fromHigh * 2^16 + fromLow, split into 32-bit halves without losing bits.
    const low = (fromLow >>> 0) + (fromHigh % 0x10000) * 0x10000 + nanos;
    const high =
      Math.floor(fromLow / 0x100000000) +
      Math.floor(fromHigh / 0x10000) +
      Math.floor(low / 0x100000000);
    this.#view.setUint32(this.pos, low >>> 0, true);
    this.#view.setUint32(this.pos + 4, high >>> 0, true);
    this.pos += 8;
  }

  /** A length-delimited string field. */
  field(field: number, text: string) {
    this.tag(field, LEN);
    const length = text.length;
    let ascii = true;
    for (let i = 0; i < length; i++) {
      if (text.charCodeAt(i) > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      this.varint(length);
      this.#ensure(length);
      const bytes = this.bytes;
      for (let i = 0; i < length; i++) bytes[this.pos++] = text.charCodeAt(i);
    } else {
      const reserved = varintSize(length * 3);
      const start = this.open(reserved);
      this.#ensure(length * 3);
      this.pos += this.#utf8.encodeInto(text, this.bytes.subarray(this.pos)).written;
      this.close(start, reserved);
    }
  }

  /** A hex id (trace or span id) as a length-delimited bytes value. */
  hexBytes(hex: string) {
    const length = hex.length >>> 1;
    this.varint(length);
    this.#ensure(length);
    const bytes = this.bytes;
    for (let i = 0; i < length; i++) {
      bytes[this.pos++] = (HEX[hex.charCodeAt(2 * i)]! << 4) | HEX[hex.charCodeAt(2 * i + 1)]!;
    }
  }

  raw(bytes: Uint8Array) {
    this.#ensure(bytes.length);
    this.bytes.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** Keeps `reserved` bytes for the length of what follows; `close` writes it there. */
  open(reserved = 1): number {
    this.#ensure(reserved);
    const at = this.pos;
    this.pos += reserved;
    return at;
  }

  /** Writes the length of what followed `open` at `at`, moving the content if it needs more or
   * fewer bytes than were kept. */
  close(at: number, reserved = 1) {
    const length = this.pos - at - reserved;
    const size = varintSize(length);
    if (size !== reserved) {
      this.#ensure(size - reserved);
      this.bytes.copyWithin(at + size, at + reserved, this.pos);
      this.pos += size - reserved;
    }
    let v = length;
    let p = at;
    while (v > 0x7f) {
      this.bytes[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.bytes[p] = v;
  }
}
