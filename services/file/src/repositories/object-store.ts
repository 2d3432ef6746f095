import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutBucketCorsCommand,
} from "@aws-sdk/client-s3";
import type { ReadinessCheck } from "@hangout/platform/health";
import { createS3Client, isNotFound, SERVER_SIDE_ENCRYPTION, s3Span } from "@hangout/platform/s3";
import type { FileConfig } from "../config.ts";
import { createPresigner, type Presigner } from "./presigner.ts";

/** The headers a presigned PUT signs; the client must send them exactly. */
const SIGNED_PUT_HEADERS = [
  "content-type",
  "content-length",
  "x-amz-checksum-sha256",
  "x-amz-server-side-encryption",
];

export interface UploadTerms {
  contentType: string;
  size: number;
  /** base64 SHA-256 of the bytes. */
  sha256: string;
}

export interface ObjectStore {
  /** Creates the bucket if missing and sets its CORS (browser PUT/GET from these origins). */
  ensureBucket(corsOrigins: string[]): Promise<void>;
  presignPut(
    key: string,
    terms: UploadTerms,
    expiresInSeconds: number,
  ): Promise<{ url: string; headers: Record<string, string> }>;
  presignGet(key: string, expiresInSeconds: number): Promise<string>;
  /** Size and type of a stored object, or undefined when there is none. */
  head(key: string): Promise<{ size: number; contentType: string } | undefined>;
  /** The object's bytes as a stream (undefined when there is none). */
  read(key: string): Promise<ReadableStream<Uint8Array> | undefined>;
  /** Deletes the object; deleting a missing object is not an error. */
  delete(key: string): Promise<void>;
  readinessCheck(): ReadinessCheck;
  close(): void;
}

export function createObjectStore(config: FileConfig): ObjectStore {
  const s3 = createS3Client(config);
  // Presigned URLs name the host clients reach; the host is part of the signature.
  const publicClient = config.S3_PUBLIC_ENDPOINT
    ? createS3Client(config, config.S3_PUBLIC_ENDPOINT)
    : s3;
  const Bucket = config.S3_BUCKET;
  let presignerReady: Promise<Presigner> | undefined;
  const presigner = () => {
    presignerReady ??= createPresigner(publicClient, Bucket);
    return presignerReady;
  };

  const call = <T>(operation: string, key: string | undefined, fn: () => Promise<T>) =>
    s3Span(operation, Bucket, key, fn);

  return {
    async ensureBucket(corsOrigins) {
      const exists = await call("HeadBucket", undefined, () =>
        s3.send(new HeadBucketCommand({ Bucket })).then(
          () => true,
          (error) => {
            if (isNotFound(error)) return false;
            throw error;
          },
        ),
      );
      if (!exists)
        await call("CreateBucket", undefined, () => s3.send(new CreateBucketCommand({ Bucket })));
      await call("PutBucketCors", undefined, () =>
        s3.send(
          new PutBucketCorsCommand({
            Bucket,
            CORSConfiguration: {
              CORSRules: [
                {
                  AllowedOrigins: corsOrigins,
                  AllowedMethods: ["PUT", "GET", "HEAD"],
                  AllowedHeaders: SIGNED_PUT_HEADERS,
                  ExposeHeaders: ["ETag"],
                  MaxAgeSeconds: 3600,
                },
              ],
            },
          }),
        ),
      );
    },

    async presignPut(key, terms, expiresIn) {
      const headers = {
        "content-type": terms.contentType,
        "content-length": String(terms.size),
        "x-amz-checksum-sha256": terms.sha256,
        "x-amz-server-side-encryption": SERVER_SIDE_ENCRYPTION,
      };
      const url = await (await presigner()).presign("PUT", key, { expiresIn, headers });
      return { url, headers };
    },

    presignGet: async (key, expiresIn) => (await presigner()).presign("GET", key, { expiresIn }),

    head: (key) =>
      call("HeadObject", key, async () => {
        try {
          const head = await s3.send(new HeadObjectCommand({ Bucket, Key: key }));
          return { size: head.ContentLength ?? 0, contentType: head.ContentType ?? "" };
        } catch (error) {
          if (isNotFound(error)) return undefined;
          throw error;
        }
      }),

    read: (key) =>
      call("GetObject", key, async () => {
        try {
          const object = await s3.send(new GetObjectCommand({ Bucket, Key: key }));
          return object.Body?.transformToWebStream() as ReadableStream<Uint8Array> | undefined;
        } catch (error) {
          if (isNotFound(error)) return undefined;
          throw error;
        }
      }),

    async delete(key) {
      await call("DeleteObject", key, () => s3.send(new DeleteObjectCommand({ Bucket, Key: key })));
    },

    readinessCheck: () => ({
      name: "object-store",
      check: async () => {
        await s3.send(new HeadBucketCommand({ Bucket }));
      },
    }),

    close() {
      s3.destroy();
      if (publicClient !== s3) publicClient.destroy();
    },
  };
}
