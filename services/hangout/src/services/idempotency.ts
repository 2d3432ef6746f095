import { AppError } from "@hangout/platform/errors";
import canonicalize from "canonicalize";
import type { IdempotencyRepository } from "../repositories/idempotency.ts";

/** A request still "in flight" after this long is taken to have died with its process. */
const IN_FLIGHT_TIMEOUT_MS = 60_000;
const KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * What makes two requests under one key the same: endpoint and body, the body as RFC 8785
 * canonical JSON, so the same fields in another order are the same request.
 */
export const fingerprint = (scope: string, body: unknown) =>
  new Bun.CryptoHasher("sha256").update(`${scope}\n${canonicalize(body) ?? ""}`).digest("hex");

export interface IdempotentRequest {
  userId: string;
  /** The Idempotency-Key header, if the client sent one. */
  key: string | null;
  /** Method, route and path parameters: a key belongs to one endpoint. */
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
      scope: request.scope,
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
