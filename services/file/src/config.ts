import {
  brokerConfigSchema,
  certificateConfigSchema,
  commonConfigSchema,
  configSchema,
  env,
  loadConfig,
} from "@hangout/platform/config";
import { s3ConfigSchema } from "@hangout/platform/s3";

export const fileConfigSchema = configSchema({
  ...commonConfigSchema,
  ...certificateConfigSchema,
  /**
   * Where the outbox relay publishes `file.uploaded` and `file.processed` (defaults: the local
   * broker, hangout.events).
   */
  ...brokerConfigSchema,
  FILE_HOST: env.string("127.0.0.1"),
  /** FileService over mTLS; callers per method in src/grpc/callers.ts. */
  FILE_GRPC_PORT: env.port(50051),
  /** /healthz, /readyz, /metrics and the docs; no public API. */
  FILE_HTTP_PORT: env.port(3003),
  FILE_DATABASE_URL: env.url("mysql://hangout:hangout@127.0.0.1:3306/file"),
  FILE_UPLOAD_URL_TTL_SECONDS: env.int(900, { minimum: 60, maximum: 3600 }),
  FILE_DOWNLOAD_URL_TTL_SECONDS: env.int(300, { minimum: 10, maximum: 3600 }),
  FILE_REAPER_INTERVAL_SECONDS: env.int(60, { minimum: 1 }),
  /** How long after its upload URL expired a PENDING file may still be confirmed. */
  FILE_REAPER_GRACE_SECONDS: env.int(300, { minimum: 0 }),
  /**
   * A file PROCESSING this long since its confirm gets file.uploaded again, then after waits
   * that double (docs/decisions/0018-photo-pipeline.md).
   */
  FILE_PROCESSING_STUCK_SECONDS: env.int(600, { minimum: 1 }),
  /** A file still PROCESSING this long after its confirm fails as `timeout`. */
  FILE_PROCESSING_GIVE_UP_SECONDS: env.int(86_400, { minimum: 1 }),
  FILE_PROCESSING_SWEEP_INTERVAL_SECONDS: env.int(60, { minimum: 1 }),
  ...s3ConfigSchema,
  /** The URL clients use in presigned URLs (a public host); S3_ENDPOINT when unset. */
  S3_PUBLIC_ENDPOINT: env.optionalUrl(),
  /** Comma-separated browser origins allowed to PUT to presigned URLs (bucket CORS). */
  S3_CORS_ORIGINS: env.string("http://localhost:5173"),
});

export type FileConfig = ReturnType<typeof loadFileConfig>;

export const loadFileConfig = (source: Record<string, string | undefined> = process.env) =>
  loadConfig(fileConfigSchema, source);
