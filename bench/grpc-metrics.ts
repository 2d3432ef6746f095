import type { HandlerName } from "./grpc-calls.ts";

// What the grpc section reads from the server process: the handler timings its control endpoint
// hands out (grpc-server.ts) and the grpc_server_handling_seconds histograms of its /metrics.

/** The bench server process's control endpoint (see grpc-server.ts). */
export interface Control {
  controlUrl: string;
  pid: number;
}

/** The handler durations (ms) the server recorded for `name` since the last take. */
export async function takeTimings(server: Control, name: HandlerName): Promise<number[]> {
  const response = await fetch(`${server.controlUrl}/timings?take=${name}`);
  if (!response.ok) throw new Error(`timings: HTTP ${response.status}`);
  return (await response.json()) as number[];
}

/** Cumulative grpc_server_handling_seconds buckets of one method's OK calls (le -> count). */
export async function scrapeBuckets(url: string, method: string): Promise<Map<number, number>> {
  const response = await fetch(url);
  const text = await response.text();
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const buckets = new Map<number, number>();
  for (const line of text.split("\n")) {
    if (!line.startsWith("grpc_server_handling_seconds_bucket{")) continue;
    if (!line.includes(`grpc_method="${method}"`) || !line.includes('grpc_code="OK"')) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    if (le === undefined) continue;
    const bound = le === "+Inf" ? Number.POSITIVE_INFINITY : Number(le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + Number(line.slice(line.lastIndexOf(" ") + 1)));
  }
  return buckets;
}

/** Adds `after` minus `before` (when given) into `into`, bucket by bucket. */
export function addBuckets(
  into: Map<number, number>,
  after: Map<number, number>,
  before?: Map<number, number>,
) {
  for (const [le, count] of after) {
    into.set(le, (into.get(le) ?? 0) + count - (before?.get(le) ?? 0));
  }
  return into;
}

/**
 * Prometheus's histogram_quantile over cumulative buckets: the bucket holding the q-th call, and
 * a linear interpolation inside it. Returns milliseconds, with the bucket's upper bound.
 */
export function histogramQuantile(buckets: Map<number, number>, q: number) {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const total = buckets.get(Number.POSITIVE_INFINITY) ?? 0;
  if (total === 0) return undefined;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const le of bounds) {
    const count = buckets.get(le)!;
    if (count >= rank) {
      if (le === Number.POSITIVE_INFINITY) return { ms: lower * 1000, bucketMs: le, total };
      const inside = count - below;
      const ms = (lower + (le - lower) * (inside > 0 ? (rank - below) / inside : 1)) * 1000;
      return { ms, bucketMs: le * 1000, total };
    }
    lower = le;
    below = count;
  }
  return undefined;
}
