/**
 * AMQP headers the relay sets on every event besides the CloudEvent body: `traceparent` (and
 * `tracestate`) for the trace, and the aggregate under the name the CloudEvents AMQP binding
 * gives `subject`, so that a consumer can keep one aggregate's events in order without parsing.
 */
export const SUBJECT_HEADER = "cloudEvents:subject";

/** The aggregate a message belongs to, when its producer said. */
export function subjectOf(headers: Record<string, unknown> | undefined): string | undefined {
  const value = headers?.[SUBJECT_HEADER];
  return typeof value === "string" && value.length > 0 ? value : undefined;
}
