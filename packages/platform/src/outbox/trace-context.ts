import {
  context,
  isSpanContextValid,
  type Link,
  ROOT_CONTEXT,
  type SpanContext,
  TraceFlags,
  trace,
} from "@opentelemetry/api";

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The active span's context as a W3C `traceparent` (version 00), or undefined outside a span. */
export function currentTraceparent(): string | undefined {
  const span = trace.getSpanContext(context.active());
  if (!span || !isSpanContextValid(span)) return undefined;
  const flags = (span.traceFlags & 0xff).toString(16).padStart(2, "0");
  return `00-${span.traceId}-${span.spanId}-${flags}`;
}

/**
 * A span link to the change that wrote an event, so the relay's publish span leads back to the
 * request's trace. Anything but a valid version-00 traceparent gives no link.
 */
export function linkTo(traceparent: string | null | undefined): Link | undefined {
  const match = traceparent ? TRACEPARENT.exec(traceparent) : null;
  if (!match) return undefined;
  const spanContext: SpanContext = {
    traceId: match[1] as string,
    spanId: match[2] as string,
    traceFlags: Number.parseInt(match[3] as string, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
  return isSpanContextValid(spanContext) ? { context: spanContext } : undefined;
}

/**
 * Runs `fn` with the span a stored `traceparent` names as its (remote) parent, so the spans `fn`
 * starts join that trace: work done long after the request that asked for it (an email sent
 * from a queued delivery) still shows in the request's trace. Anything but a valid version-00
 * traceparent runs `fn` in a fresh root context.
 */
export function inTraceOf<T>(traceparent: string | null | undefined, fn: () => T): T {
  const parent = linkTo(traceparent);
  return context.with(
    parent ? trace.setSpanContext(ROOT_CONTEXT, parent.context) : ROOT_CONTEXT,
    fn,
  );
}
