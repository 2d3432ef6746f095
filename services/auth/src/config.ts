import {
  certificateConfigSchema,
  commonConfigSchema,
  configSchema,
  env,
  loadConfig,
} from "@hangout/platform/config";

export const authConfigSchema = configSchema({
  ...commonConfigSchema,
  ...certificateConfigSchema,
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
  AUTH_LOGIN_MAX_FAILURES_PER_ACCOUNT: env.int(5, { minimum: 1 }),
  AUTH_LOGIN_MAX_FAILURES_PER_ADDRESS: env.int(20, { minimum: 1 }),
  AUTH_LOGIN_FAILURE_WINDOW_SECONDS: env.int(900, { minimum: 1 }),
  AUTH_LOGIN_LOCKOUT_SECONDS: env.int(900, { minimum: 1 }),
  /** Behind Envoy: take the client address from the last X-Forwarded-For hop. */
  AUTH_TRUST_PROXY: env.bool(false),
});

export type AuthConfig = ReturnType<typeof loadAuthConfig>;

export const loadAuthConfig = (source: Record<string, string | undefined> = process.env) =>
  loadConfig(authConfigSchema, source);
