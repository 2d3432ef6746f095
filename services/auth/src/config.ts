import { isIP } from "node:net";
import {
  brokerConfigSchema,
  ConfigError,
  certificateConfigSchema,
  commonConfigSchema,
  configSchema,
  env,
  loadConfig,
} from "@hangout/platform/config";

export const authConfigSchema = configSchema({
  ...commonConfigSchema,
  ...certificateConfigSchema,
  /** Where the outbox relay publishes `user.signed-up`. */
  ...brokerConfigSchema,
  AUTH_HOST: env.string("127.0.0.1"),
  AUTH_PORT: env.port(3001),
  /** The UserDirectory gRPC server (mTLS); on only when STEP_CA_URL is set. */
  AUTH_GRPC_PORT: env.port(50052),
  AUTH_DATABASE_URL: env.url("mysql://hangout:hangout@127.0.0.1:3306/auth"),
  /** PKCS#8 PEM of the ES256 signing key; wins over the key file. */
  AUTH_JWT_PRIVATE_KEY: env.optionalString(),
  /** Where the signing key lives; generated there on first run outside production. */
  AUTH_JWT_PRIVATE_KEY_FILE: env.string(".data/auth/jwt-es256.pem"),
  AUTH_JWT_ISSUER: env.string("hangout-planner-auth"),
  AUTH_JWT_AUDIENCE: env.string("hangout-planner"),
  AUTH_ACCESS_TOKEN_TTL_SECONDS: env.int(900, { minimum: 60, maximum: 3600 }),
  AUTH_REFRESH_TOKEN_TTL_SECONDS: env.int(30 * 24 * 3600, { minimum: 3600 }),
  /** argon2id cost; the defaults are OWASP's minimum (19 MiB, t=2, p=1). */
  AUTH_PASSWORD_MEMORY_KIB: env.int(19_456, { minimum: 19_456 }),
  AUTH_PASSWORD_TIME_COST: env.int(2, { minimum: 2 }),
  /** Hashes computed at once, each holding AUTH_PASSWORD_MEMORY_KIB while it runs. */
  AUTH_PASSWORD_CONCURRENCY: env.int(1, { minimum: 1, maximum: 64 }),
  // The three login bounds and why they differ: docs/decisions/0012-login-throttling.md.
  /** Failures of one account from one client address: the tight limit. */
  AUTH_LOGIN_MAX_FAILURES_PER_PAIR: env.int(5, { minimum: 1 }),
  /** Failures of one account from any addresses: locks it for everyone, so it is set high. */
  AUTH_LOGIN_MAX_FAILURES_PER_ACCOUNT: env.int(50, { minimum: 1 }),
  /** Distinct accounts failing from one client address: against password spraying. */
  AUTH_LOGIN_MAX_FAILURES_PER_ADDRESS: env.int(100, { minimum: 1 }),
  /** Comma-separated addresses and CIDR ranges exempt from the per-address bound only. */
  AUTH_LOGIN_ADDRESS_ALLOWLIST: env.optionalString(),
  AUTH_LOGIN_FAILURE_WINDOW_SECONDS: env.int(900, { minimum: 1 }),
  AUTH_LOGIN_LOCKOUT_SECONDS: env.int(900, { minimum: 1 }),
  /** Behind Envoy: take the client address from the last X-Forwarded-For hop. */
  AUTH_TRUST_PROXY: env.bool(false),
});

export interface AddressRange {
  network: string;
  prefix: number;
  family: "ipv4" | "ipv6";
}

export type AuthConfig = ReturnType<typeof loadAuthConfig>;

/** The config, with the allow-list parsed into ranges; a bad entry fails start-up like any variable. */
export function loadAuthConfig(source: Record<string, string | undefined> = process.env) {
  const allowlist = parseAllowlist(source.AUTH_LOGIN_ADDRESS_ALLOWLIST ?? "");
  const problems = allowlist.problem
    ? [{ variable: "AUTH_LOGIN_ADDRESS_ALLOWLIST", message: allowlist.problem }]
    : [];
  const config = (() => {
    try {
      return loadConfig(authConfigSchema, source);
    } catch (error) {
      if (error instanceof ConfigError) throw new ConfigError([...error.problems, ...problems]);
      throw error;
    }
  })();
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...config, AUTH_LOGIN_ADDRESS_ALLOWLIST: allowlist.ranges };
}

function parseAllowlist(value: string): { ranges: AddressRange[]; problem?: string } {
  const entries = value
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  const ranges = entries.map(parseRange);
  const bad = entries.filter((_, i) => !ranges[i]);
  if (bad.length === 0) return { ranges: ranges as AddressRange[] };
  const list = bad.map((entry) => `"${entry}"`).join(", ");
  return {
    ranges: [],
    problem: `${list}: each entry must be an IPv4 or IPv6 address, or one with a prefix length (at most /32 for IPv4, /128 for IPv6), e.g. 203.0.113.7, 10.0.0.0/8, 2001:db8::/32`,
  };
}

function parseRange(entry: string): AddressRange | undefined {
  const [network = "", prefixText, ...rest] = entry.split("/");
  const version = isIP(network);
  if (version === 0 || network.includes("%") || rest.length > 0) return undefined;
  const bits = version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) return undefined;
  return { network, prefix, family: version === 4 ? "ipv4" : "ipv6" };
}
