import { type Static, type TObject, type TProperties, type TSchema, Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { HOT_CONNECTIONS } from "./hot-sql.ts";

/**
 * Typed environment config. Each service declares a TypeBox object whose keys are the
 * environment variable names; `loadConfig` applies defaults, converts strings to the declared
 * types and fails at start with every bad variable named, so a typo never surfaces at runtime.
 */
export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(
      `invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join("\n")}`,
    );
    this.name = "ConfigError";
  }
}

export function loadConfig<S extends TObject>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): Static<S> {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    const value = env[key];
    // An empty variable means "not set" so that `FOO=` in a .env file falls back to the default.
    if (value !== undefined && value !== "") raw[key] = value;
  }
  const withDefaults = Value.Default(schema, raw);
  const converted = Value.Convert(schema, withDefaults);
  const problems = [...Value.Errors(schema, converted)].map((e) => ({
    variable: e.path.replace(/^\//, "") || "(root)",
    message:
      raw[e.path.replace(/^\//, "")] === undefined ? `is required (${e.message})` : e.message,
  }));
  if (problems.length > 0) throw new ConfigError(dedupe(problems));
  return converted as Static<S>;
}

function dedupe(problems: { variable: string; message: string }[]) {
  const seen = new Map<string, { variable: string; message: string }>();
  for (const p of problems) if (!seen.has(p.variable)) seen.set(p.variable, p);
  return [...seen.values()];
}

/** A service's config schema: its own variables plus `commonConfigSchema`. */
export const configSchema = <P extends TProperties>(properties: P) => Type.Object(properties);

/** Field builders for the shapes every service needs; all take the default as first argument. */
export const env = {
  port: (defaultValue: number) =>
    Type.Integer({ minimum: 1, maximum: 65535, default: defaultValue }),
  int: (defaultValue: number, options: { minimum?: number; maximum?: number } = {}) =>
    Type.Integer({ default: defaultValue, ...options }),
  string: (defaultValue?: string) =>
    defaultValue === undefined
      ? Type.String({ minLength: 1 })
      : Type.String({ minLength: 1, default: defaultValue }),
  optionalInt: (options: { minimum?: number; maximum?: number } = {}) =>
    Type.Optional(Type.Integer(options)),
  optionalString: () => Type.Optional(Type.String({ minLength: 1 })),
  url: (defaultValue?: string) =>
    defaultValue === undefined
      ? Type.String({ pattern: "^[a-z][a-z0-9+.-]*://" })
      : Type.String({ pattern: "^[a-z][a-z0-9+.-]*://", default: defaultValue }),
  optionalUrl: () => Type.Optional(Type.String({ pattern: "^[a-z][a-z0-9+.-]*://" })),
  bool: (defaultValue: boolean) => Type.Boolean({ default: defaultValue }),
  oneOf: <const V extends string[]>(values: V, defaultValue: V[number]) =>
    Type.Union(
      values.map((v) => Type.Literal(v)),
      { default: defaultValue },
    ) as unknown as TSchema & { static: V[number] },
};

/** Settings shared by every service: environment, logging, telemetry, HTTP limits. */
export const commonConfigSchema = {
  DEPLOY_ENV: env.oneOf(["development", "test", "production"], "development"),
  LOG_LEVEL: env.oneOf(["trace", "debug", "info", "warn", "error", "fatal", "silent"], "info"),
  OTEL_EXPORTER_OTLP_ENDPOINT: env.optionalUrl(),
  HTTP_BODY_LIMIT_BYTES: env.int(1024 * 1024, { minimum: 1024 }),
  SHUTDOWN_TIMEOUT_MS: env.int(10_000, { minimum: 100 }),
  DATA_DIR: env.string(".data"),
  /** Connections of the hot statements' client (hot-sql.ts); each carries many statements. */
  DATABASE_HOT_CONNECTIONS: env.int(HOT_CONNECTIONS, { minimum: 1 }),
};

/**
 * Where a service gets its mTLS certificate: step-ca's URL and root, and the service's own JWK
 * provisioner key (made by step-ca/bootstrap.ts). Without STEP_CA_URL, LOCAL_CA_DIR (the same
 * bootstrap folder) mints certificates in-process; with neither, gRPC is off.
 */
export const certificateConfigSchema = {
  STEP_CA_URL: env.optionalUrl(),
  LOCAL_CA_DIR: env.optionalString(),
  STEP_CA_ROOT_FILE: env.string(".data/step-ca/certs/root_ca.crt"),
  /** Defaults to .data/step-ca/secrets/provisioners/<service>.json. */
  STEP_CA_PROVISIONER_KEY_FILE: env.optionalString(),
  CERT_LIFETIME: Type.String({ pattern: "^\\d+(s|m|h)$", default: "1h" }),
};

/** RabbitMQ, for services that publish through the outbox (docs/decisions/0014-outbox-relay.md). */
export const brokerConfigSchema = {
  AMQP_URL: env.url("amqp://guest:guest@127.0.0.1:5672"),
  EVENTS_EXCHANGE: env.string("hangout.events"),
  OUTBOX_RETENTION_SECONDS: env.int(86_400, { minimum: 60 }),
  /**
   * The relay's wait between looks at a drained outbox: an event committed by any replica waits
   * up to this long before it is published. Each look is one short transaction.
   */
  OUTBOX_POLL_INTERVAL_MS: env.int(50, { minimum: 10, maximum: 10_000 }),
  /**
   * How long a consumer remembers an event it handled (its inbox row). Longer than any
   * redelivery: the broker's retries, dead-letter replays and the outbox's retention.
   */
  INBOX_RETENTION_SECONDS: env.int(7 * 86_400, { minimum: 3600 }),
};

export type CommonConfig = Static<TObject<typeof commonConfigSchema>>;
export type BrokerConfig = Static<TObject<typeof brokerConfigSchema>>;
export type CertificateConfig = Static<TObject<typeof certificateConfigSchema>>;
