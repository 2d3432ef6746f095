import { AppError } from "@hangout/platform/errors";
import type { AuthConfig } from "../config.ts";
import type {
  LoginThrottlesRepository,
  ThrottlePolicy,
  ThrottleScope,
} from "../repositories/login-throttles.ts";
import { sha256Hex } from "./hash.ts";

/**
 * Login throttling per account and per client address, kept in the database so it holds across
 * restarts and instances. Checked before the password hash is computed, so a locked account
 * also costs the server nothing.
 */
export function createLoginThrottle(
  repo: LoginThrottlesRepository,
  config: AuthConfig,
  clock: () => Date,
) {
  const policies: Record<ThrottleScope, ThrottlePolicy> = {
    account: {
      maxFailures: config.AUTH_LOGIN_MAX_FAILURES_PER_ACCOUNT,
      windowSeconds: config.AUTH_LOGIN_FAILURE_WINDOW_SECONDS,
      lockoutSeconds: config.AUTH_LOGIN_LOCKOUT_SECONDS,
    },
    address: {
      maxFailures: config.AUTH_LOGIN_MAX_FAILURES_PER_ADDRESS,
      windowSeconds: config.AUTH_LOGIN_FAILURE_WINDOW_SECONDS,
      lockoutSeconds: config.AUTH_LOGIN_LOCKOUT_SECONDS,
    },
  };
  const subjects = (email: string, address: string | undefined) => {
    const list: { scope: ThrottleScope; subject: string }[] = [
      { scope: "account", subject: sha256Hex(email) },
    ];
    if (address) list.push({ scope: "address", subject: sha256Hex(address) });
    return list;
  };

  return {
    async assertAllowed(email: string, address: string | undefined) {
      const now = clock().getTime();
      const rows = await Promise.all(
        subjects(email, address).map(({ scope, subject }) => repo.find(scope, subject)),
      );
      const lockedUntil = Math.max(0, ...rows.map((r) => r?.lockedUntil?.getTime() ?? 0));
      if (lockedUntil > now) {
        throw new AppError("rate_limited", "Too many failed logins; try again later", {
          retryAfterSeconds: (lockedUntil - now) / 1000,
        });
      }
    },
    async recordFailure(email: string, address: string | undefined) {
      const now = clock();
      await Promise.all(
        subjects(email, address).map(({ scope, subject }) =>
          repo.recordFailure(scope, subject, policies[scope], now),
        ),
      );
    },
    /** A successful login clears the account's count; the address keeps its count. */
    recordSuccess: (email: string) => repo.clear("account", sha256Hex(email)),
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
