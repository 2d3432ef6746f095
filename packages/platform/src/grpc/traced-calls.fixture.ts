// Child process of telemetry.test.ts: the process-wide tracer provider (initTelemetry) exporting
// to the OTLP receiver whose URL is in OTEL_EXPORTER_OTLP_ENDPOINT, a gRPC server and clients
// over mTLS with certificates from the local CA in CA_DIR. Makes traced calls, prints what it
// saw as one JSON line, flushes the spans and exits.
import { SpanKind, trace } from "@opentelemetry/api";
import type { Status } from "nice-grpc";
import { CertificateManager } from "../certificates/certificate-manager.ts";
import { localCaIssuer } from "../certificates/local-ca-issuer.ts";
import { createLogger } from "../logger.ts";
import { initTelemetry } from "../telemetry.ts";
import { createGrpcClient, createMtlsChannel } from "./client.ts";
import { EchoDefinition, echoService } from "./echo-service.ts";
import { createGrpcServer } from "./server.ts";

const telemetry = initTelemetry({
  service: "grpc-fixture",
  otlpEndpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT,
});
const logger = createLogger({ service: "grpc-fixture", level: "silent" });
const dir = process.env.CA_DIR;
if (!dir) throw new Error("CA_DIR is not set");
const read = (path: string) => Bun.file(`${dir}/${path}`).text();
const issuer = await localCaIssuer({
  rootPem: await read("certs/root_ca.crt"),
  intermediatePem: await read("certs/intermediate_ca.crt"),
  intermediateKeyPem: await read("secrets/intermediate_ca_key"),
});
const manager = async (service: string) => {
  const m = new CertificateManager({ service, issuer, lifetime: "5m", logger });
  await m.start();
  return m;
};
const [file, hangout, auth] = await Promise.all([
  manager("file"),
  manager("hangout"),
  manager("auth"),
]);

const server = createGrpcServer({ certificates: file, allowedCallers: ["hangout"], logger });
server.server.add(EchoDefinition, echoService());
const target = `localhost:${await server.listen("127.0.0.1:0")}`;
const allowedChannel = createMtlsChannel(target, "file", hangout);
const deniedChannel = createMtlsChannel(target, "file", auth);

const tracer = trace.getTracer("fixture");
/** Runs `fn` inside a new root span, as an HTTP handler would; returns its ids and the result. */
const inParent = (name: string, fn: () => Promise<unknown>) =>
  tracer.startActiveSpan(name, { kind: SpanKind.SERVER, root: true }, async (span) => {
    const { traceId, spanId } = span.spanContext();
    try {
      return { traceId, spanId, result: await fn() };
    } catch (error) {
      return { traceId, spanId, code: (error as { code?: Status }).code };
    } finally {
      span.end();
    }
  });

const ok = await inParent("parent-ok", () =>
  createGrpcClient(EchoDefinition, allowedChannel).echo({ text: "hello" }),
);
const invalid = await inParent("parent-invalid", () =>
  createGrpcClient(EchoDefinition, allowedChannel).echo({ text: "" }),
);
const denied = await inParent("parent-denied", () =>
  createGrpcClient(EchoDefinition, deniedChannel).echo({ text: "hello" }),
);

allowedChannel.close();
deniedChannel.close();
await server.shutdown();
for (const m of [file, hangout, auth]) m.stop();
await telemetry.shutdown(); // flushes the batch processor to the receiver
console.log(JSON.stringify({ ok, invalid, denied }));
process.exit(0);
