// The server process of the gRPC bench (started by bench/grpc.ts, never on its own in practice):
//
// - the real file service, started from its definition: its HTTP app (/healthz, /readyz,
//   /metrics) on FILE_HTTP_PORT and its gRPC server over mTLS with a step-ca certificate on
//   FILE_GRPC_PORT;
// - a plaintext twin on BENCH_PLAIN_PORT, built here and nowhere in production code: a nice-grpc
//   createServer() over grpc.ServerCredentials.createInsecure() with the same
//   fileService(files) object (so the same database pool and object store) and the same health
//   service, behind the same nice-grpc middleware (OpenTelemetry span, Prometheus RED metrics
//   into a registry of its own) and the same connection-age options. What it lacks is TLS and the
//   authorization interceptor, which reads the peer certificate: both count as the cost of mTLS;
// - handler timers: the use cases the FileService handlers call (files.createUploads and
//   files.downloadUrls) are wrapped with performance.now() before the bench sends a call, so
//   both servers' calls are timed from inside their handlers;
// - a control endpoint on BENCH_CONTROL_PORT, listening once everything above is up:
//     GET /ready                  200
//     GET /timings?take=<name>    the handler durations (ms) recorded since the last take
//     GET /plain-metrics          the plaintext server's Prometheus metrics
//
// SIGTERM drains like the real service (the skeleton's handler closes every resource).
import { grpcServerMetrics } from "@hangout/platform/grpc/grpc-metrics";
import { startService } from "@hangout/platform/service/start";
import { FileServiceDefinition } from "../proto/gen/file/v1/file.ts";
import { fileService as fileDefinition } from "../services/file/src/app.ts";
import { loadFileConfig } from "../services/file/src/config.ts";
import { fileService } from "../services/file/src/grpc/file-service.ts";
import {
  createServer,
  grpc,
  HealthDefinition,
  HealthServiceImpl,
  openTelemetryServerMiddleware,
  prometheusServerMiddleware,
  Registry,
} from "./grpc-deps.ts";

const plainPort = Number(process.env.BENCH_PLAIN_PORT);
const controlPort = Number(process.env.BENCH_CONTROL_PORT);
if (!Number.isInteger(plainPort) || plainPort <= 0) throw new Error("BENCH_PLAIN_PORT not set");
if (!Number.isInteger(controlPort) || controlPort <= 0) {
  throw new Error("BENCH_CONTROL_PORT not set");
}

const config = loadFileConfig();
const service = await startService(fileDefinition, config);
const { platform } = service;
const { files } = service.deps;

/** Handler durations in ms by use case, since the last take. */
const timings: Record<"createUploads" | "downloadUrls", number[]> = {
  createUploads: [],
  downloadUrls: [],
};

function timed<A extends unknown[], R>(
  name: keyof typeof timings,
  fn: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args) => {
    const started = performance.now();
    try {
      return await fn(...args);
    } finally {
      timings[name].push(performance.now() - started);
    }
  };
}

// fileService(files) looks the use cases up on `files` at call time, so both servers' handlers
// go through these.
files.createUploads = timed("createUploads", files.createUploads);
files.downloadUrls = timed("downloadUrls", files.downloadUrls);

const plainRegistry = new Registry();
const plain = createServer({
  "grpc.max_connection_age_ms": 300_000,
  "grpc.max_connection_age_grace_ms": 30_000,
  "grpc.enable_channelz": 0,
})
  .use(openTelemetryServerMiddleware())
  .use(prometheusServerMiddleware(grpcServerMetrics(plainRegistry)));
plain.add(HealthDefinition, HealthServiceImpl());
plain.add(FileServiceDefinition, fileService(files, service.deps.processing));
await plain.listen(`${config.FILE_HOST}:${plainPort}`, grpc.ServerCredentials.createInsecure());
// Registered after the service's own closers, so it closes first.
platform.lifecycle.onClose("plaintext-grpc", () => plain.shutdown());
platform.logger.warn({ port: plainPort }, "bench: plaintext FileService twin listening");

const control = Bun.serve({
  hostname: "127.0.0.1",
  port: controlPort,
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/ready") return Response.json({ ready: true });
    if (url.pathname === "/plain-metrics") {
      return new Response(await plainRegistry.metrics(), {
        headers: { "content-type": plainRegistry.contentType },
      });
    }
    if (url.pathname === "/timings") {
      const name = url.searchParams.get("take");
      if (name !== "createUploads" && name !== "downloadUrls") {
        return Response.json({ error: "take=createUploads|downloadUrls" }, { status: 400 });
      }
      const taken = timings[name];
      timings[name] = [];
      return Response.json(taken);
    }
    return Response.json({ error: "not found" }, { status: 404 });
  },
});
platform.lifecycle.onClose("bench-control", () => control.stop(true));
