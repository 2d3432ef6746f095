// Dependencies of the gRPC bench that bench/ cannot import by name.
//
// bench/ is not a workspace package and the install is isolated (node_modules/.bun), so a bare
// `import "nice-grpc"` from here does not resolve. These come from @hangout/platform's own
// node_modules instead: the very copies the platform's gRPC server and client load, so the
// plaintext server and client run the same code as the mTLS ones (and grpc-js's instanceof checks
// on credentials hold).
export * as grpc from "../packages/platform/node_modules/@grpc/grpc-js";
export {
  type Channel,
  ChannelCredentials,
  createChannel,
  createServer,
} from "../packages/platform/node_modules/nice-grpc";
export { openTelemetryServerMiddleware } from "../packages/platform/node_modules/nice-grpc-opentelemetry";
export { prometheusServerMiddleware } from "../packages/platform/node_modules/nice-grpc-prometheus";
export {
  HealthDefinition,
  HealthServiceImpl,
} from "../packages/platform/node_modules/nice-grpc-server-health";
export { Registry } from "../packages/platform/node_modules/prom-client";
