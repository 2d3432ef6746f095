import { AppError } from "@hangout/platform/errors";
import type { Logger } from "@hangout/platform/logger";
import type { AuthConfig } from "../config.ts";
import type { RefreshTokensRepository } from "../repositories/refresh-tokens.ts";
import { sha256Hex } from "./hash.ts";

const invalidToken = () =>
  new AppError("unauthorized", "The refresh token is invalid, expired or revoked");

/**
 * Refresh-token sessions. A login starts a family; each refresh rotates the token inside it.
 * Presenting a token that was already rotated means two parties hold it (a replay, or a copy
 * racing the owner), so the whole family is revoked: OAuth 2.0 Security BCP, refresh rotation.
 * Concurrent refreshes with one token count as reuse too; there is no grace window:
 * docs/decisions/0007-refresh-token-reuse.md.
 */
export function createSessions(
  repo: RefreshTokensRepository,
  config: AuthConfig,
  clock: () => Date,
  logger: Logger,
) {
  const newToken = () =>
    Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
  const row = (userId: string, familyId: string, token: string) => {
    const now = clock();
    return {
      id: Bun.randomUUIDv7(),
      userId,
      familyId,
      tokenHash: sha256Hex(token),
      createdAt: now,
      expiresAt: new Date(now.getTime() + config.AUTH_REFRESH_TOKEN_TTL_SECONDS * 1000),
    };
  };

  return {
    ttlSeconds: config.AUTH_REFRESH_TOKEN_TTL_SECONDS,

    async start(userId: string): Promise<string> {
      const token = newToken();
      await repo.insert(row(userId, Bun.randomUUIDv7(), token));
      return token;
    },

    /** Exchanges a live token for a new one; concurrent calls with one token: exactly one wins. */
    async rotate(presented: string): Promise<{ userId: string; token: string }> {
      const outcome = await repo.transaction(async (tx) => {
        const current = await repo.lockByHash(tx, sha256Hex(presented));
        const now = clock();
        if (!current || current.revokedAt || current.expiresAt <= now)
          return { kind: "invalid" as const };
        if (current.rotatedAt) {
          await repo.revokeFamily(current.familyId, now, tx);
          return { kind: "reused" as const, userId: current.userId, familyId: current.familyId };
        }
        await repo.markRotated(tx, current.id, now);
        const token = newToken();
        await repo.insert(row(current.userId, current.familyId, token), tx);
        return { kind: "rotated" as const, userId: current.userId, token };
      });
      if (outcome.kind === "rotated") return outcome;
      if (outcome.kind === "reused") {
        logger.warn(
          { userId: outcome.userId, familyId: outcome.familyId },
          "refresh token reuse detected; session family revoked",
        );
      }
      throw invalidToken();
    },

    /** Logout: revokes the family of a token that belongs to the caller. Repeating it is harmless. */
    async end(presented: string, userId: string): Promise<void> {
      const current = await repo.findByHash(sha256Hex(presented));
      if (!current || current.userId !== userId) throw invalidToken();
      await repo.revokeFamily(current.familyId, clock());
    },
  };
}

export type Sessions = ReturnType<typeof createSessions>;
