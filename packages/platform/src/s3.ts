import { S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { env } from "./config.ts";
import { SpanKind, withSpan } from "./telemetry.ts";

/** Where the object store is, for the services that use it (file, media). */
export const s3ConfigSchema = {
  /** The URL the service talks to. */
  S3_ENDPOINT: env.url("http://127.0.0.1:4566"),
  S3_REGION: env.string("us-east-1"),
  S3_BUCKET: env.string("hangout-files"),
  S3_FORCE_PATH_STYLE: env.bool(true),
  S3_ACCESS_KEY_ID: env.string("S3RVER"),
  S3_SECRET_ACCESS_KEY: env.string("S3RVER"),
};

export interface S3Config {
  S3_ENDPOINT: string;
  S3_REGION: string;
  S3_BUCKET: string;
  S3_FORCE_PATH_STYLE: boolean;
  S3_ACCESS_KEY_ID: string;
  S3_SECRET_ACCESS_KEY: string;
}

/** Every object is stored encrypted at rest; presigned PUTs sign the header. */
export const SERVER_SIDE_ENCRYPTION = "AES256";

/** The SDK's client, set up the one way every service uses it. */
export function createS3Client(config: S3Config, endpoint = config.S3_ENDPOINT): S3Client {
  return new S3Client({
    endpoint,
    region: config.S3_REGION,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
    credentials: {
      accessKeyId: config.S3_ACCESS_KEY_ID,
      secretAccessKey: config.S3_SECRET_ACCESS_KEY,
    },
    // The SDK's default (a CRC32 on every request) breaks presigned PUTs that sign our own
    // SHA-256 checksum, and S3-compatible stores that do not know the newer checksums.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    maxAttempts: 3,
  });
}

export const isNotFound = (error: unknown) =>
  error instanceof S3ServiceException &&
  (error.$metadata.httpStatusCode === 404 || error.name === "NoSuchKey");

/** A client span per S3 call, so a trace shows the storage hop. */
export const s3Span = <T>(
  operation: string,
  bucket: string,
  key: string | undefined,
  fn: () => Promise<T>,
) =>
  withSpan(
    `S3.${operation}`,
    {
      "rpc.system": "aws-api",
      "rpc.service": "S3",
      "rpc.method": operation,
      "aws.s3.bucket": bucket,
      ...(key ? { "aws.s3.key": key } : {}),
    },
    fn,
    SpanKind.CLIENT,
  );
