// Child process of telemetry.test.ts: the process-wide tracer provider (initTelemetry), built
// with whatever OTEL_* variables the test set and exporting to OTEL_EXPORTER_OTLP_ENDPOINT. Ends
// SPANS spans (default 1) in one trace, prints the trace id and whether it was sampled as one
// JSON line, then waits for stdin to close before shutting telemetry down (which flushes).
import { TraceFlags, trace } from "@opentelemetry/api";
import { initTelemetry } from "./telemetry.ts";

const telemetry = initTelemetry({
  service: "telemetry-fixture",
  otlpEndpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT,
});
const tracer = trace.getTracer("fixture");
const spans = Number(process.env.SPANS ?? 1);

const context = tracer.startActiveSpan("fixture-root", (root) => {
  for (let i = 1; i < spans; i++) tracer.startSpan(`fixture-child-${i}`).end();
  root.end();
  return root.spanContext();
});
console.log(
  JSON.stringify({
    traceId: context.traceId,
    sampled: (context.traceFlags & TraceFlags.SAMPLED) !== 0,
  }),
);

for await (const _ of console) break;
await telemetry.shutdown();
process.exit(0);
