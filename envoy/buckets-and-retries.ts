/** Reading a route's rate-limit token buckets and retry conditions as Envoy interprets them. */
import { isObject } from "./json-object.ts";

export const LOCAL_RATELIMIT_TYPE =
  "envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit";

export interface Bucket {
  maxTokens: number;
  tokensPerSecond: number;
}

/** Reads a LocalRateLimit token bucket (Envoy defaults tokens_per_fill to 1). */
export function tokenBucket(localRateLimit: unknown): Bucket | undefined {
  if (!isObject(localRateLimit) || !isObject(localRateLimit.token_bucket)) return undefined;
  const b = localRateLimit.token_bucket;
  const seconds = Number(String(b.fill_interval ?? "").replace(/s$/, ""));
  const perFill = b.tokens_per_fill === undefined ? 1 : Number(b.tokens_per_fill);
  return { maxTokens: Number(b.max_tokens), tokensPerSecond: perFill / seconds };
}

/** Splits a `retry_on` string into its conditions. */
export const retryConditions = (retryOn: unknown): string[] =>
  typeof retryOn === "string"
    ? retryOn
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
    : [];
