import { BlockList, isIP } from "node:net";
import { AppError } from "@hangout/platform/errors";
import ipaddr from "ipaddr.js";
import type { AuthConfig } from "../config.ts";
import type {
  LoginThrottlesRepository,
  ThrottleKey,
  ThrottlePolicy,
  ThrottleScope,
} from "../repositories/login-throttles.ts";
import { sha256Hex } from "./hash.ts";

/**
 * What the pair and address counters count as one client address: an IPv4 address, or the /64
 * an IPv6 address is in. A subscriber is handed a whole /64 (RFC 6177) and may use any address
 * in it, so counted one by one, a single host could dodge both limits by changing its address.
 * An IPv4 address written as IPv6 (`::ffff:203.0.113.5`) is that IPv4 address; anything that is
 * not an IP address is kept as it is.
 */
export function throttledNetwork(address: string): string {
  if (isIP(address) === 0) return address;
  const ip = ipaddr.process(address);
  if (ip.kind() === "ipv4") return ip.toString();
  const prefix = (ip as ipaddr.IPv6).parts.slice(0, 4);
  return `${new ipaddr.IPv6([...prefix, 0, 0, 0, 0]).toString()}/64`;
}

/**
 * Login throttling, kept in the database so it holds across restarts and instances, with three
 * counters (docs/decisions/0012-login-throttling.md): an account from one client address (the
 * tight limit), an account from anywhere (a high bound, since its lock hits the owner too), and
 * the distinct accounts failing from one address (against spraying; allow-listed addresses skip
 * it). Checked before the password hash is computed, so a locked login costs the server nothing.
 */
export function createLoginThrottle(
  repo: LoginThrottlesRepository,
  config: AuthConfig,
  clock: () => Date,
) {
  const policy = (maxFailures: number): ThrottlePolicy => ({
    maxFailures,
    windowSeconds: config.AUTH_LOGIN_FAILURE_WINDOW_SECONDS,
    lockoutSeconds: config.AUTH_LOGIN_LOCKOUT_SECONDS,
  });
  const policies: Record<ThrottleScope, ThrottlePolicy> = {
    pair: policy(config.AUTH_LOGIN_MAX_FAILURES_PER_PAIR),
    account: policy(config.AUTH_LOGIN_MAX_FAILURES_PER_ACCOUNT),
    address: policy(config.AUTH_LOGIN_MAX_FAILURES_PER_ADDRESS),
  };
  const allowlist = new BlockList();
  for (const range of config.AUTH_LOGIN_ADDRESS_ALLOWLIST)
    allowlist.addSubnet(range.network, range.prefix, range.family);
  const allowlisted = (address: string) => {
    const version = isIP(address);
    return version !== 0 && allowlist.check(address, version === 4 ? "ipv4" : "ipv6");
  };

  // Without a known address the pair is keyed on the account alone, so the tight limit still
  // applies; hex hashes joined by ":" cannot collide across different (email, address) pairs.
  const key = (scope: ThrottleScope, subject: string): ThrottleKey => ({ scope, subject });
  const keys = (email: string, address: string | undefined) => {
    const account = sha256Hex(email);
    const from = address ? sha256Hex(throttledNetwork(address)) : "";
    return {
      pair: key("pair", sha256Hex(`${account}:${from}`)),
      account: key("account", account),
      address: address && !allowlisted(address) ? key("address", from) : undefined,
    };
  };

  return {
    async assertAllowed(email: string, address: string | undefined) {
      const { pair, account, address: from } = keys(email, address);
      const lockedUntil = await repo.lockedUntil(from ? [pair, account, from] : [pair, account]);
      const now = clock().getTime();
      if (lockedUntil && lockedUntil.getTime() > now) {
        throw new AppError("rate_limited", "Too many failed logins; try again later", {
          retryAfterSeconds: (lockedUntil.getTime() - now) / 1000,
        });
      }
    },
    async recordFailure(email: string, address: string | undefined) {
      const now = clock();
      const { pair, account, address: from } = keys(email, address);
      const [pairFailures] = await Promise.all([
        repo.recordFailure(pair, policies.pair, now),
        repo.recordFailure(account, policies.account, now),
      ]);
      // The address counts accounts, not attempts: only a pair's first failure in its window
      // adds one, so one person retrying a forgotten password counts once.
      if (from && pairFailures === 1) await repo.recordFailure(from, policies.address, now);
    },
    /**
     * A success clears the account's count and, given the address, that pair's; other pairs
     * (someone else guessing from elsewhere) and the address's count stay.
     */
    recordSuccess: (email: string, address?: string) => {
      const { pair, account } = keys(email, address);
      return repo.clear([account, pair]);
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
