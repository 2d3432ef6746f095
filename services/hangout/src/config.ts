import {
  brokerConfigSchema,
  certificateConfigSchema,
  commonConfigSchema,
  configSchema,
  env,
  loadConfig,
} from "@hangout/platform/config";

export const hangoutConfigSchema = configSchema({
  ...commonConfigSchema,
  ...certificateConfigSchema,
  ...brokerConfigSchema,
  HANGOUT_HOST: env.string("127.0.0.1"),
  HANGOUT_PORT: env.port(3002),
  HANGOUT_DATABASE_URL: env.url("mysql://hangout:hangout@127.0.0.1:3306/hangout"),
  /** Where access tokens' public keys come from (the auth service). */
  AUTH_JWKS_URL: env.url("http://127.0.0.1:3001/.well-known/jwks.json"),
  AUTH_JWT_ISSUER: env.string("hangout-planner-auth"),
  AUTH_JWT_AUDIENCE: env.string("hangout-planner"),
  /** auth.v1.UserDirectory (mTLS; the server must present the `auth` identity). */
  AUTH_GRPC_TARGET: env.string("localhost:50052"),
  /** file.v1.FileService (mTLS; the server must present the `file` identity). */
  FILE_GRPC_TARGET: env.string("localhost:50051"),
  /** Deadline of every gRPC call to auth or file. */
  GRPC_TIMEOUT_MS: env.int(5000, { minimum: 100 }),
  /** How long a stored Idempotency-Key response is replayed. */
  IDEMPOTENCY_TTL_SECONDS: env.int(24 * 3600, { minimum: 60 }),
  /** How often unfinished memory uploads and deletions are reconciled with the file service. */
  HANGOUT_SWEEP_INTERVAL_SECONDS: env.int(60, { minimum: 1 }),
  /** A pending memory older than this is reconciled (upload URL lifetime plus grace). */
  HANGOUT_PENDING_MEMORY_TTL_SECONDS: env.int(1800, { minimum: 60 }),
  /** How long an invitation to an address with no account waits for its sign-up. */
  HANGOUT_PENDING_INVITATION_TTL_DAYS: env.int(30, { minimum: 1 }),
  /** The durable queue hangout consumes other services' events from (bound to EVENTS_EXCHANGE). */
  HANGOUT_EVENTS_QUEUE: env.string("hangout.events"),
  /** A comment line on every open stream this often; under Bun's and proxies' idle timeouts. */
  LIVE_HEARTBEAT_SECONDS: env.int(5, { minimum: 1, maximum: 9 }),
  /** The `retry:` hint: how long a client waits before reconnecting a dropped stream. */
  LIVE_RETRY_MS: env.int(2000, { minimum: 100 }),
  /** Bytes a stream may hold unsent to a client that does not read; past it, it is dropped. */
  LIVE_CLIENT_BUFFER_BYTES: env.int(256 * 1024, { minimum: 4096 }),
  /** How long changes are kept for a resume with Last-Event-ID. */
  LIVE_HISTORY_DAYS: env.int(7, { minimum: 1 }),
  /** At most this many changes are kept per hangout for a resume. */
  LIVE_HISTORY_EVENTS: env.int(1000, { minimum: 10 }),
  /** Looks for new changes this often even when no broker signal came (broker away). */
  LIVE_POLL_INTERVAL_MS: env.int(2000, { minimum: 50 }),
});

export type HangoutConfig = ReturnType<typeof loadHangoutConfig>;

export const loadHangoutConfig = (source: Record<string, string | undefined> = process.env) =>
  loadConfig(hangoutConfigSchema, source);
