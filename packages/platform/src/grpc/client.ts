import * as grpc from "@grpc/grpc-js";
import {
  type Channel,
  type Client,
  ClientError,
  type ClientFactory,
  type ClientMiddleware,
  type CompatServiceDefinition,
  createChannel,
  createClientFactory,
  type DefaultCallOptions,
  type NormalizedServiceDefinition,
  Status,
} from "nice-grpc";
import { openTelemetryClientMiddleware } from "nice-grpc-opentelemetry";
import {
  registry as niceGrpcPrometheusRegistry,
  prometheusClientMiddleware,
} from "nice-grpc-prometheus";
import type { Registry } from "prom-client";
import type { CertificateManager } from "../certificates/certificate-manager.ts";
import { grpcClientMetrics } from "./grpc-metrics.ts";

/**
 * An mTLS channel to another service: presents this service's rotating certificate and checks
 * that the server's certificate names `serverIdentity` (its service name), whatever host it is
 * reached at. Target a DNS name (`localhost:50051`, `file:50051`): grpc-js under Bun refuses an
 * IP address as the TLS server name.
 */
export function createMtlsChannel(
  target: string,
  serverIdentity: string,
  certificates: CertificateManager,
): Channel {
  const provider = certificates.provider;
  const credentials = grpc.experimental.createCertificateProviderChannelCredentials(
    provider,
    provider,
  );
  return createChannel(target, credentials, {
    "grpc.ssl_target_name_override": serverIdentity,
    "grpc.default_authority": serverIdentity,
    // As on the server: nothing reads channelz, and it tracks every call.
    "grpc.enable_channelz": 0,
  });
}

/** Per-call option of clients made here: when the call gives up with DEADLINE_EXCEEDED. */
export interface DeadlineCallOptions {
  deadline?: Date;
}

export interface GrpcClientOptions {
  /**
   * Deadline of a call that sets none, in milliseconds from its start (default 10 s); a call's
   * own `deadline` wins. 0 turns the default off.
   */
  timeoutMs?: number;
  /**
   * The service's metrics registry (`platform.metrics.registry`), for the client RED metrics
   * (`grpc_client_handled_total`, `grpc_client_handling_seconds`, …). Without it they go to
   * nice-grpc-prometheus's own registry.
   */
  registry?: Registry;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Cancels the call at its deadline and fails it with DEADLINE_EXCEEDED, as grpc-js does with a
 * native deadline (nice-grpc passes none to grpc-js, only an abort signal). The server sees the
 * cancellation.
 */
function deadlineMiddleware(timeoutMs: number): ClientMiddleware<DeadlineCallOptions> {
  return async function* deadline(call, options) {
    const { deadline: explicit, ...rest } = options;
    const at = explicit?.getTime() ?? (timeoutMs > 0 ? Date.now() + timeoutMs : undefined);
    if (at === undefined || rest.signal?.aborted) return yield* call.next(call.request, rest);
    const controller = new AbortController();
    const forward = () => controller.abort(rest.signal?.reason);
    rest.signal?.addEventListener("abort", forward);
    let timedOut = false;
    const timer = setTimeout(
      () => {
        timedOut = true;
        controller.abort();
      },
      Math.max(0, at - Date.now()),
    );
    try {
      return yield* call.next(call.request, { ...rest, signal: controller.signal });
    } catch (error) {
      if (timedOut) {
        throw new ClientError(
          call.method.path,
          Status.DEADLINE_EXCEEDED,
          `deadline of ${new Date(at).toISOString()} exceeded`,
        );
      }
      throw error;
    } finally {
      clearTimeout(timer);
      rest.signal?.removeEventListener("abort", forward);
    }
  };
}

/**
 * A nice-grpc client factory for calls to other services: each call gets a client span (named
 * `package.Service/Method`, the child of the active span) whose W3C `traceparent` travels in
 * the call metadata, client RED metrics, and a default deadline.
 */
export function grpcClientFactory(
  options: GrpcClientOptions = {},
): ClientFactory<DeadlineCallOptions> {
  const metrics = grpcClientMetrics(options.registry ?? niceGrpcPrometheusRegistry);
  // Attached first is invoked last: the span covers the metrics, which see the deadline's code.
  return createClientFactory()
    .use(deadlineMiddleware(options.timeoutMs ?? DEFAULT_TIMEOUT_MS))
    .use(prometheusClientMiddleware(metrics))
    .use(openTelemetryClientMiddleware());
}

/** A traced, measured client of `definition` over `channel` (see `grpcClientFactory`). */
export function createGrpcClient<Service extends CompatServiceDefinition>(
  definition: Service,
  channel: Channel,
  options: GrpcClientOptions & {
    defaultCallOptions?: DefaultCallOptions<
      NormalizedServiceDefinition<Service>,
      DeadlineCallOptions
    >;
  } = {},
): Client<Service, DeadlineCallOptions> {
  return grpcClientFactory(options).create(definition, channel, options.defaultCallOptions);
}

/** grpc.health.v1, which every one of our gRPC servers serves: for readiness checks and tests. */
export { HealthDefinition } from "nice-grpc-server-health";
