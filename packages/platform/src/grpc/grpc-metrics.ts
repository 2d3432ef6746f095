import { Counter, Histogram, type Registry } from "prom-client";

/**
 * gRPC RED metrics with the names and labels of go-grpc-prometheus (which nice-grpc-prometheus
 * copies): `grpc_server_handled_total{grpc_type, grpc_service, grpc_method, grpc_path, grpc_code}`
 * and friends, `grpc_code` being the status name (`OK`, `PERMISSION_DENIED`, …). They are made
 * once per registry, so any number of servers and clients in one process share them.
 */
const LABELS = ["grpc_type", "grpc_service", "grpc_method", "grpc_path"] as const;
const LABELS_WITH_CODE = [...LABELS, "grpc_code"] as const;
type Label = (typeof LABELS)[number];
type LabelWithCode = (typeof LABELS_WITH_CODE)[number];

/** Latency buckets in seconds: those of http_request_duration_seconds, plus 10 s. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface GrpcServerMetrics {
  serverStartedMetric: Counter<Label>;
  serverHandledMetric: Counter<LabelWithCode>;
  serverStreamMsgReceivedMetric: Counter<Label>;
  serverStreamMsgSentMetric: Counter<Label>;
  serverHandlingSecondsMetric: Histogram<LabelWithCode>;
}

export interface GrpcClientMetrics {
  clientStartedMetric: Counter<Label>;
  clientHandledMetric: Counter<LabelWithCode>;
  clientStreamMsgReceivedMetric: Counter<Label>;
  clientStreamMsgSentMetric: Counter<Label>;
  clientHandlingSecondsMetric: Histogram<LabelWithCode>;
}

const serverCache = new WeakMap<Registry, GrpcServerMetrics>();
const clientCache = new WeakMap<Registry, GrpcClientMetrics>();

/** A counter in `registry`, or the one already registered there under that name. */
function counter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

function histogram(registry: Registry, name: string, help: string): Histogram<LabelWithCode> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Histogram<LabelWithCode>;
  return new Histogram({
    name,
    help,
    labelNames: LABELS_WITH_CODE,
    buckets: BUCKETS,
    registers: [registry],
  });
}

/** The server-side metrics in `registry`, registered on first use. */
export function grpcServerMetrics(registry: Registry): GrpcServerMetrics {
  let metrics = serverCache.get(registry);
  if (!metrics) {
    metrics = {
      serverStartedMetric: counter(
        registry,
        "grpc_server_started_total",
        "Total number of RPCs started on the server.",
        LABELS,
      ),
      serverHandledMetric: counter(
        registry,
        "grpc_server_handled_total",
        "Total number of RPCs completed on the server, regardless of success or failure.",
        LABELS_WITH_CODE,
      ),
      serverStreamMsgReceivedMetric: counter(
        registry,
        "grpc_server_msg_received_total",
        "Total number of RPC stream messages received by the server.",
        LABELS,
      ),
      serverStreamMsgSentMetric: counter(
        registry,
        "grpc_server_msg_sent_total",
        "Total number of gRPC stream messages sent by the server.",
        LABELS,
      ),
      serverHandlingSecondsMetric: histogram(
        registry,
        "grpc_server_handling_seconds",
        "Histogram of response latency (seconds) of gRPC calls handled by the server.",
      ),
    };
    serverCache.set(registry, metrics);
  }
  return metrics;
}

/** The client-side metrics in `registry`, registered on first use. */
export function grpcClientMetrics(registry: Registry): GrpcClientMetrics {
  let metrics = clientCache.get(registry);
  if (!metrics) {
    metrics = {
      clientStartedMetric: counter(
        registry,
        "grpc_client_started_total",
        "Total number of RPCs started on the client.",
        LABELS,
      ),
      clientHandledMetric: counter(
        registry,
        "grpc_client_handled_total",
        "Total number of RPCs completed on the client, regardless of success or failure.",
        LABELS_WITH_CODE,
      ),
      clientStreamMsgReceivedMetric: counter(
        registry,
        "grpc_client_msg_received_total",
        "Total number of RPC stream messages received by the client.",
        LABELS,
      ),
      clientStreamMsgSentMetric: counter(
        registry,
        "grpc_client_msg_sent_total",
        "Total number of gRPC stream messages sent by the client.",
        LABELS,
      ),
      clientHandlingSecondsMetric: histogram(
        registry,
        "grpc_client_handling_seconds",
        "Histogram of response latency (seconds) of gRPC calls until the client has the result.",
      ),
    };
    clientCache.set(registry, metrics);
  }
  return metrics;
}

/** The labels nice-grpc-prometheus gives a method (it does not export its own helper). */
export function grpcMethodLabels(method: {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
}): Record<Label, string> {
  const [, service = "", name = ""] = method.path.split("/");
  return {
    grpc_type: method.requestStream
      ? method.responseStream
        ? "bidi_stream"
        : "client_stream"
      : method.responseStream
        ? "server_stream"
        : "unary",
    grpc_service: service,
    grpc_method: name,
    grpc_path: method.path,
  };
}
