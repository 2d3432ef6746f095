import * as grpc from "@grpc/grpc-js";
import {
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  trace,
} from "@opentelemetry/api";
import {
  type CallContext,
  createServer,
  type Server,
  ServerError,
  type ServerMiddleware,
  Status,
} from "nice-grpc";
import { openTelemetryServerMiddleware } from "nice-grpc-opentelemetry";
import {
  registry as niceGrpcPrometheusRegistry,
  prometheusServerMiddleware,
} from "nice-grpc-prometheus";
import { HealthDefinition, HealthServiceImpl } from "nice-grpc-server-health";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { CertificateManager } from "../certificates/certificate-manager.ts";
import { isUnreachable } from "../unreachable.ts";
import { type GrpcServerMetrics, grpcMethodLabels, grpcServerMetrics } from "./grpc-metrics.ts";

export interface GrpcServerOptions {
  certificates: CertificateManager;
  /** Service names (certificate identities) allowed to call; anyone else gets PERMISSION_DENIED. */
  allowedCallers: string[];
  logger: Logger;
  /**
   * Connections are closed (gracefully) after this long, so long-lived channels reconnect and
   * pick up rotated certificates on both sides. Default 5 minutes.
   */
  maxConnectionAgeMs?: number;
  /**
   * The service's metrics registry (`platform.metrics.registry`), where the gRPC server RED
   * metrics (`grpc_server_handled_total`, `grpc_server_handling_seconds`, …) are registered, so
   * they appear on its /metrics. Without it they go to nice-grpc-prometheus's own registry
   * (its `registry` export), which no endpoint shows.
   */
  registry?: Registry;
}

/**
 * The metadata entry through which the authorization interceptor hands the verified caller
 * identity to handlers and middleware. The interceptor always overwrites it, so a value sent by
 * a client never reaches a handler.
 */
export const CALLER_METADATA_KEY = "x-hangout-caller";

/** The verified identity (service name) of the caller of a call to a `createGrpcServer` server. */
export function callerOf(context: Pick<CallContext, "metadata">): string | undefined {
  return context.metadata.get(CALLER_METADATA_KEY) as string | undefined;
}

type PeerCertificate = NonNullable<
  ReturnType<grpc.ServerInterceptingCallInterface["getAuthContext"]>["sslPeerCertificate"]
>;

/** The identity of the caller: the DNS SAN (= CN) of its client certificate, which step-ca pins. */
export function callerIdentity(certificate: PeerCertificate | undefined): string | undefined {
  const san = certificate?.subjectaltname?.match(/DNS:([^,\s]+)/)?.[1];
  const cn = certificate?.subject?.CN;
  return san ?? (Array.isArray(cn) ? cn[0] : cn);
}

interface Peer {
  caller: string | undefined;
  serial: string | undefined;
}

// Keyed by grpc-js's http2 session: one entry per connection, gone with it.
const peers = new WeakMap<object, Peer>();

/** The http2 session under a call: grpc-js keeps it on the innermost (base) call's stream. */
function sessionOf(call: unknown): object | undefined {
  let current = call as { stream?: { session?: object }; nextCall?: unknown } | undefined;
  while (current && !current.stream) current = current.nextCall as typeof current;
  return current?.stream?.session;
}

/**
 * Who is calling, from the client certificate, read once per connection: grpc-js's
 * getAuthContext() builds the whole peer certificate (three fingerprints included) on every call,
 * and a TLS session's peer certificate cannot change (docs/decisions/0011-hot-path-settings.md). A renewed client certificate
 * arrives on a new connection (max connection age), so it is read then. Without a session to key
 * on (another grpc-js layout), every call reads the certificate.
 */
function peerOf(call: grpc.ServerInterceptingCallInterface): Peer {
  const session = sessionOf(call);
  const known = session && peers.get(session);
  if (known) return known;
  const certificate = call.getAuthContext()?.sslPeerCertificate;
  const peer = { caller: callerIdentity(certificate), serial: certificate?.serialNumber };
  if (session) peers.set(session, peer);
  return peer;
}

/** Span attribute naming the calling service (OpenTelemetry `peer.service`). */
const ATTR_PEER_SERVICE = "peer.service";

const grpcJsMetadataGetter: TextMapGetter<grpc.Metadata> = {
  get: (carrier, key) => {
    const value = carrier.get(key)[0];
    return value === undefined ? undefined : String(value);
  },
  keys: (carrier) => Object.keys(carrier.getMap()),
};

/** Puts the verified caller on the server span that nice-grpc-opentelemetry made active. */
const callerAttribute: ServerMiddleware = async function* callerAttribute(call, context) {
  const caller = callerOf(context);
  if (caller) trace.getActiveSpan()?.setAttribute(ATTR_PEER_SERVICE, caller);
  return yield* call.next(call.request, context);
};

/**
 * A handler whose database (or other dependency) cannot be reached answers UNAVAILABLE, which
 * the caller may retry and maps to its own 503, instead of UNKNOWN, which reads as a bug; the
 * reason goes to this service's log once, without a stack.
 */
const unreachableAsUnavailable = (logger: Logger): ServerMiddleware =>
  async function* unreachableAsUnavailable(call, context) {
    try {
      return yield* call.next(call.request, context);
    } catch (error) {
      if (error instanceof ServerError || !isUnreachable(error)) throw error;
      const cause = error instanceof Error ? error.message : undefined;
      logger.warn({ cause, method: call.method.path }, "a dependency is unreachable");
      throw new ServerError(Status.UNAVAILABLE, "a dependency of this service is unreachable");
    }
  };

/**
 * A refused call never reaches the nice-grpc middleware, so the interceptor records it itself:
 * a server span (child of the caller's, from `traceparent`) and the RED metrics, both with
 * PERMISSION_DENIED.
 */
function recordDenied(
  method: grpc.ServerMethodDefinition<unknown, unknown>,
  metadata: grpc.Metadata,
  caller: string | undefined,
  startedAt: number,
  metrics: GrpcServerMetrics,
) {
  const labels = grpcMethodLabels(method);
  const withCode = { ...labels, grpc_code: "PERMISSION_DENIED" };
  metrics.serverStartedMetric.inc(labels);
  metrics.serverHandledMetric.inc(withCode);
  metrics.serverHandlingSecondsMetric.observe(withCode, (performance.now() - startedAt) / 1000);
  // The tracer is looked up per call, never kept from module load: under Bun, @opentelemetry/api
  // is loaded twice (ESM for us, CommonJS for the SDK), and a tracer taken from the ESM copy
  // before initTelemetry() stays a no-op forever.
  const span = trace.getTracer("@hangout/platform/grpc").startSpan(
    method.path.slice(1),
    {
      kind: SpanKind.SERVER,
      attributes: {
        "rpc.system": "grpc",
        "rpc.service": labels.grpc_service,
        "rpc.method": labels.grpc_method,
        "rpc.grpc.status_code": Status.PERMISSION_DENIED,
        "rpc.grpc.status_text": "PERMISSION_DENIED",
        ...(caller ? { [ATTR_PEER_SERVICE]: caller } : {}),
      },
    },
    propagation.extract(ROOT_CONTEXT, metadata, grpcJsMetadataGetter),
  );
  span.setStatus({ code: SpanStatusCode.ERROR, message: "PERMISSION_DENIED: caller not allowed" });
  span.end();
}

/**
 * A nice-grpc server that requires a client certificate from our CA (mTLS) and lets only the
 * allowed identities call any method, grpc.health.v1 included. Certificates rotate in place.
 *
 * Every call, refused ones included, gets a server span (named `package.Service/Method`, the
 * child of the caller's span when its `traceparent` metadata carries one, with the caller as
 * `peer.service`) and is counted in the gRPC RED metrics of `options.registry`.
 */
export function createGrpcServer(options: GrpcServerOptions): {
  server: Server;
  listen(address: string): Promise<number>;
  shutdown(): Promise<void>;
} {
  const allowed = new Set(options.allowedCallers);
  const metrics = grpcServerMetrics(options.registry ?? niceGrpcPrometheusRegistry);
  const authorize: grpc.ServerInterceptor = (method, call) => {
    const startedAt = performance.now();
    return new grpc.ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, nextMetadata) {
            const { caller, serial } = peerOf(call);
            if (caller && allowed.has(caller)) {
              options.logger.debug({ caller, serial, method: method.path }, "gRPC call");
              metadata.set(CALLER_METADATA_KEY, caller);
              return nextMetadata(metadata);
            }
            options.logger.warn({ caller, method: method.path }, "gRPC caller not allowed");
            recordDenied(method, metadata, caller, startedAt, metrics);
            call.sendStatus({
              code: grpc.status.PERMISSION_DENIED,
              details: `caller ${caller ?? "(unknown)"} may not call ${method.path}`,
              metadata: new grpc.Metadata(),
            });
          },
        });
      },
    });
  };
  // Outermost first: the server span covers the metrics and the handler.
  const server = createServer({
    interceptors: [authorize],
    "grpc.max_connection_age_ms": options.maxConnectionAgeMs ?? 300_000,
    "grpc.max_connection_age_grace_ms": 30_000,
    // Channelz (grpc-js's introspection registry) tracks every call and socket; nothing here
    // reads it (docs/decisions/0011-hot-path-settings.md).
    "grpc.enable_channelz": 0,
  } as grpc.ServerOptions)
    .use(openTelemetryServerMiddleware())
    .use(prometheusServerMiddleware(metrics))
    .use(callerAttribute)
    .use(unreachableAsUnavailable(options.logger));
  server.add(HealthDefinition, HealthServiceImpl());

  // The same provider for both arguments: grpc-js 1.14 swaps them internally.
  const provider = options.certificates.provider;
  const credentials = grpc.experimental.createCertificateProviderServerCredentials(
    provider,
    provider,
    true,
  );
  return {
    server,
    listen: (address) => server.listen(address, credentials),
    shutdown: () => server.shutdown(),
  };
}
