import {
  brokerConfigSchema,
  certificateConfigSchema,
  commonConfigSchema,
  configSchema,
  env,
  loadConfig,
} from "@hangout/platform/config";
import { s3ConfigSchema } from "@hangout/platform/s3";

export const mediaConfigSchema = configSchema({
  ...commonConfigSchema,
  ...certificateConfigSchema,
  ...brokerConfigSchema,
  ...s3ConfigSchema,
  MEDIA_HOST: env.string("127.0.0.1"),
  /** /healthz, /readyz, /metrics and the docs; no public API. */
  MEDIA_HTTP_PORT: env.port(3005),
  /** This worker's durable queue of file.uploaded on EVENTS_EXCHANGE (plus retry and `.dead`). */
  MEDIA_QUEUE: env.string("media.file-uploaded"),
  /** Photos processed at once; each decode takes a core (docs/decisions/0018-photo-pipeline.md). */
  MEDIA_CONCURRENCY: env.int(1, { minimum: 1, maximum: 16 }),
  /** Refused before decoding when the header declares more (decompression bombs). */
  MEDIA_MAX_PIXELS: env.int(50_000_000, { minimum: 1_000_000 }),
  /** A photo that takes longer fails as `timeout`. */
  MEDIA_TIMEOUT_MS: env.int(30_000, { minimum: 100 }),
  /** file.v1.FileService (mTLS; the server must present the `file` identity). */
  FILE_GRPC_TARGET: env.string("localhost:50051"),
  GRPC_TIMEOUT_MS: env.int(5000, { minimum: 100 }),
  /** clamd's UNIX socket; scanning is skipped when neither it nor CLAMD_HOST is set. */
  CLAMD_SOCKET: env.optionalString(),
  CLAMD_HOST: env.optionalString(),
  CLAMD_PORT: env.port(3310),
  CLAMD_TIMEOUT_MS: env.int(30_000, { minimum: 100 }),
});

export type MediaConfig = ReturnType<typeof loadMediaConfig>;

export const loadMediaConfig = (source: Record<string, string | undefined> = process.env) =>
  loadConfig(mediaConfigSchema, source);
