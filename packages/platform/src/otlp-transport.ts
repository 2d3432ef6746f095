import {
  type ExportResponse,
  type IExporterTransport,
  OTLPExporterError,
} from "@opentelemetry/otlp-exporter-base";

/** What a request needs: the SDK's OTLP/HTTP configuration, resolved from options and env. */
export interface FetchTransportOptions {
  url: string;
  headers: () => Promise<Record<string, string>> | Record<string, string>;
  compression: "gzip" | "none";
  /** First retry delay when the collector gives no Retry-After; later ones grow 1.5x, to 5 s. */
  initialBackoffMs?: number;
}

/** The OTLP/HTTP exporter specification's retry policy, as the SDK's own transports apply it. */
const MAX_RETRIES = 5;
const MAX_BACKOFF_MS = 5_000;
const BACKOFF_MULTIPLIER = 1.5;
const JITTER = 0.2;
const USER_AGENT = "OTel-OTLP-Exporter-JavaScript (Bun fetch)";
/** The statuses the OTLP specification says to retry; every other non-2xx is final. */
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);

/**
 * An OTLP exporter transport on Bun's own `fetch`, with the SDK transport's retry policy: up to
 * five retries of 429/502/503/504, network errors and timeouts, after the collector's
 * Retry-After or an exponential backoff with jitter, never past the export's timeout.
 *
 * Why not the SDK's node-http transport: it goes through Bun's `node:http` emulation (a
 * Readable piped into a ClientRequest over an Agent), which on auth under load cost ~15 µs of
 * CPU per request and ~9 MB of peak RSS more than this (README, "Platform conventions", Traces).
 * The SDK's fetch transport is browser-only (keep-alive off for bodies over 60 KiB, CORS modes)
 * and not exported. TLS client certificates from OTEL_EXPORTER_OTLP_*CERTIFICATE are not
 * supported: the collector is reached over the compose network in plain HTTP.
 */
export function createFetchTransport(options: FetchTransportOptions): IExporterTransport {
  const initialBackoff = options.initialBackoffMs ?? 1_000;

  async function sendOnce(data: Uint8Array, timeoutMillis: number): Promise<ExportResponse> {
    const headers = new Headers(await options.headers());
    if (!headers.has("user-agent")) headers.set("user-agent", USER_AGENT);
    let body = data;
    if (options.compression === "gzip") {
      body = Bun.gzipSync(data as Uint8Array<ArrayBuffer>);
      headers.set("content-encoding", "gzip");
    }
    let response: Response;
    try {
      response = await fetch(options.url, {
        method: "POST",
        headers,
        body,
        signal: AbortSignal.timeout(Math.max(timeoutMillis, 1)),
      });
    } catch (error) {
      // Refused, reset or timed out: the collector may be back on the next attempt.
      return { status: "retryable", error: error as Error };
    }
    const answer = new Uint8Array(await response.arrayBuffer().catch(() => new ArrayBuffer(0)));
    if (response.ok) return { status: "success", data: answer };
    if (RETRYABLE_STATUSES.has(response.status)) {
      return {
        status: "retryable",
        retryInMillis: retryAfterMs(response.headers.get("retry-after")),
      };
    }
    const error = new OTLPExporterError(
      response.statusText || `HTTP ${response.status}`,
      response.status,
      new TextDecoder().decode(answer),
    );
    return { status: "failure", error };
  }

  return {
    async send(data, timeoutMillis) {
      const deadline = Date.now() + timeoutMillis;
      let backoff = initialBackoff;
      let result = await sendOnce(data, timeoutMillis);
      for (let retry = 1; result.status === "retryable" && retry <= MAX_RETRIES; retry++) {
        const jittered = Math.min(backoff * (1 + (Math.random() * 2 - 1) * JITTER), MAX_BACKOFF_MS);
        const wait = result.retryInMillis ?? jittered;
        backoff *= BACKOFF_MULTIPLIER;
        const remaining = deadline - Date.now();
        if (wait >= remaining) return result;
        await Bun.sleep(wait);
        result = await sendOnce(data, deadline - Date.now());
      }
      return result;
    },
    shutdown() {},
  };
}

/** Retry-After in delay-seconds or as an HTTP date, in milliseconds from now. */
export function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(at - Date.now(), 0);
}
