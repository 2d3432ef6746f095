import {
  type ExportResponse,
  type IExporterTransport,
  OTLPExporterError,
} from "@opentelemetry/otlp-exporter-base";
import { readAtMost } from "./read-at-most.ts";

/** What a request needs: the SDK's OTLP/HTTP configuration, resolved from options and env. */
export interface FetchTransportOptions {
  url: string;
  headers: () => Promise<Record<string, string>> | Record<string, string>;
  compression: "gzip" | "none";
  /** Put before the exporter's own User-Agent, as the SDK's transports do. */
  userAgent?: string;
  /** First retry delay when the collector gives no Retry-After; later ones grow 1.5x, to 5 s. */
  initialBackoffMs?: number;
}

// The SDK transports' policy (its retrying-transport and node-http transport), kept the same so
// that switching transports changes nothing but the cost.
const MAX_RETRIES = 5;
const MAX_BACKOFF_MS = 5_000;
const BACKOFF_MULTIPLIER = 1.5;
const JITTER = 0.2;
/** The statuses the OTLP specification says to retry; every other non-2xx is final. */
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);
/** Network errors worth another attempt; others (a TLS failure, say) will not go away. */
const RETRYABLE_ERRORS = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "ENOTFOUND",
  "ENETUNREACH",
  "EHOSTUNREACH",
]);
/** A collector's answer is a few bytes; anything past this is not one. */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
const USER_AGENT = `OTel-OTLP-Exporter-JavaScript (Bun ${Bun.version} fetch)`;

/**
 * An OTLP exporter transport on Bun's own `fetch`, with the SDK transports' policy: up to five
 * retries of 429/502/503/504, of refused, reset or unreachable connections and of timeouts,
 * after the collector's Retry-After or an exponential backoff with jitter, never past the
 * export's timeout; redirects and any other status fail at once, as do answers over 4 MiB.
 *
 * Why not the SDK's node-http transport: it goes through Bun's `node:http` emulation (a
 * Readable piped into a ClientRequest over an Agent), which on auth under load cost ~7–15 µs of
 * CPU per request and ~10 MB of peak RSS more than this (README, "Platform conventions",
 * Traces). The SDK's fetch transport is browser-only (keep-alive off for bodies over 60 KiB,
 * CORS modes) and not exported. TLS client certificates from OTEL_EXPORTER_OTLP_*CERTIFICATE are
 * not supported: the collector is reached over the compose network in plain HTTP.
 */
export function createFetchTransport(options: FetchTransportOptions): IExporterTransport {
  const initialBackoff = options.initialBackoffMs ?? 1_000;
  const userAgent = options.userAgent ? `${options.userAgent} ${USER_AGENT}` : USER_AGENT;

  async function sendOnce(data: Uint8Array, timeoutMillis: number): Promise<ExportResponse> {
    const headers = new Headers(await options.headers());
    headers.set("user-agent", userAgent);
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
        // A redirected export would be re-sent as a GET without its spans.
        redirect: "manual",
        signal: AbortSignal.timeout(Math.max(timeoutMillis, 1)),
      });
    } catch (error) {
      const { name, code } = error as { name?: string; code?: unknown };
      const retryable =
        name === "TimeoutError" || (typeof code === "string" && RETRYABLE_ERRORS.has(code));
      return { status: retryable ? "retryable" : "failure", error: error as Error };
    }
    const answer = await readAtMost(response.body, MAX_RESPONSE_BYTES);
    if (!answer) {
      return {
        status: "failure",
        error: new Error(`OTLP export response body exceeded ${MAX_RESPONSE_BYTES} bytes`),
      };
    }
    if (response.status >= 200 && response.status <= 299)
      return { status: "success", data: answer };
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
        if (wait >= deadline - Date.now()) return result;
        await Bun.sleep(wait);
        result = await sendOnce(data, deadline - Date.now());
      }
      return result;
    },
    shutdown() {},
  };
}

/**
 * Retry-After as the SDK reads it: an integer number of seconds (a negative one means now), else
 * an HTTP date; milliseconds from now, or undefined when it is neither.
 */
export function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number.parseInt(header, 10);
  if (Number.isInteger(seconds)) return Math.max(seconds, 0) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(at - Date.now(), 0);
}
