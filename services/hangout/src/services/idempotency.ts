import { AppError } from "@hangout/platform/errors";
import canonicalize from "canonicalize";
import type { IdempotencyRepository } from "../repositories/idempotency.ts";

/** A request still "in flight" after this long is taken to have died with its process. */
const IN_FLIGHT_TIMEOUT_MS = 60_000;
const KEY = /^[\x21-\x7e]{1,255}$/;

const sha256 = (text: string) => new Bun.CryptoHasher("sha256").update(text).digest("hex");

/**
 * What makes two requests under one key the same: endpoint and body, the body as RFC 8785
 * canonical JSON, so the same fields in another order are the same request. It never throws:
 * a body that canonicalize refuses (a lone UTF-16 surrogate, or a number like 1e400 that parses
 * as Infinity) would otherwise fail with a key where it is answered without one.
 */
export const fingerprint = (scope: string, body: unknown) =>
  sha256(`${scope}\n${canonicalText(body)}`);

function canonicalText(body: unknown) {
  try {
    return canonicalize(body) ?? "";
  } catch {
    // "~" starts no canonical JSON text, so no refused body can share a hash with an accepted one.
    return `~${lenientJson(body)}`;
  }
}

/**
 * Canonical JSON's rules (sorted keys, no spaces) for any value JSON.parse returns: strings are
 * escaped as JSON.stringify escapes them (a lone surrogate as `\ud800`, so no two strings
 * collide) and non-finite numbers as `Infinity` or `-Infinity`, never as `null`.
 */
function lenientJson(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(lenientJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .sort()
      .map((name) => `${JSON.stringify(name)}:${lenientJson(record[name])}`);
    return `{${members.join(",")}}`;
  }
  return String(value);
}

export interface IdempotentRequest {
  userId: string;
  /** The Idempotency-Key header, if the client sent one. */
  key: string | null;
  /** Method, route and path parameters: a key belongs to one endpoint. Any length. */
  scope: string;
  body: unknown;
  /** Sets the response status and headers (Elysia's `set`). */
  set: { status?: number | string; headers: Record<string, string | number> };
}

/**
 * Honours `Idempotency-Key` on a creating POST: the first request runs and its response is
 * stored; a repeat with the same key and body gets that response again (marked with
 * `Idempotent-Replayed: true`), the same key with another body is 422, and a repeat while the
 * first is still running is 409. A failed request releases its key, so it can be retried.
 */
export function createIdempotency(
  repo: IdempotencyRepository,
  ttlSeconds: number,
  clock: () => Date,
) {
  return async function idempotent<T>(
    request: IdempotentRequest,
    handler: () => Promise<{ status: number; body: T }>,
  ): Promise<T> {
    const run = async () => {
      const { status, body } = await handler();
      request.set.status = status;
      return body;
    };
    const { key, userId } = request;
    if (key === null) return run();
    if (!KEY.test(key)) {
      throw new AppError("validation_failed", "The Idempotency-Key header is not valid", {
        errors: [
          { path: "/headers/idempotency-key", message: "must be 1-255 visible ASCII characters" },
        ],
      });
    }
    const requestHash = fingerprint(request.scope, request.body);
    const now = clock();
    await repo.dropIfStale(userId, key, now, new Date(now.getTime() - IN_FLIGHT_TIMEOUT_MS));
    const claimed = await repo.claim({
      userId,
      key,
      // path parameters are the client's text at any length; a digest always fits the row
      scope: sha256(request.scope),
      requestHash,
      createdAt: now,
      expiresAt: new Date(now.getTime() + ttlSeconds * 1000),
    });
    if (!claimed) {
      const existing = await repo.find(userId, key);
      if (!existing) return idempotent(request, handler); // released meanwhile: try again
      if (existing.requestHash !== requestHash) {
        throw new AppError(
          "validation_failed",
          "This Idempotency-Key was used for another request",
          {
            errors: [
              { path: "/headers/idempotency-key", message: "was used with a different request" },
            ],
          },
        );
      }
      if (existing.responseStatus === null || existing.responseBody === null) {
        throw new AppError("conflict", "A request with this Idempotency-Key is still in progress");
      }
      request.set.status = existing.responseStatus;
      request.set.headers["idempotent-replayed"] = "true";
      return JSON.parse(existing.responseBody) as T;
    }
    try {
      const { status, body } = await handler();
      await repo.complete(userId, key, status, JSON.stringify(body));
      request.set.status = status;
      return body;
    } catch (error) {
      await repo.release(userId, key);
      throw error;
    }
  };
}

export type Idempotent = ReturnType<typeof createIdempotency>;
