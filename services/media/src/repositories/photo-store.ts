import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import type { ReadinessCheck } from "@hangout/platform/health";
import {
  createS3Client,
  isNotFound,
  type S3Config,
  SERVER_SIDE_ENCRYPTION,
  s3Span,
} from "@hangout/platform/s3";

/**
 * The object keys of a photo, fixed by its file id alone, so a job run twice overwrites what the
 * first run wrote (docs/decisions/0018-photo-pipeline.md). The file service uses the same keys.
 */
export const photoKeys = (fileId: string) => ({
  incoming: `incoming/${fileId}`,
  original: `media/${fileId}/original`,
  preview: `media/${fileId}/preview.webp`,
  thumbnail: `media/${fileId}/thumb.webp`,
});

export interface PhotoStore {
  /** The uploaded bytes in quarantine, or undefined when there are none. */
  readIncoming(fileId: string): Promise<Uint8Array | undefined>;
  put(key: string, bytes: Uint8Array, contentType: string): Promise<void>;
  delete(key: string): Promise<void>;
  readinessCheck(): ReadinessCheck;
  close(): void;
}

export function createPhotoStore(config: S3Config): PhotoStore {
  const s3 = createS3Client(config);
  const Bucket = config.S3_BUCKET;
  return {
    async readIncoming(fileId) {
      const Key = photoKeys(fileId).incoming;
      return s3Span("GetObject", Bucket, Key, async () => {
        try {
          const object = await s3.send(new GetObjectCommand({ Bucket, Key }));
          return object.Body ? await object.Body.transformToByteArray() : undefined;
        } catch (error) {
          if (isNotFound(error)) return undefined;
          throw error;
        }
      });
    },
    async put(Key, bytes, contentType) {
      await s3Span("PutObject", Bucket, Key, () =>
        s3.send(
          new PutObjectCommand({
            Bucket,
            Key,
            Body: bytes,
            ContentType: contentType,
            ContentLength: bytes.byteLength,
            ServerSideEncryption: SERVER_SIDE_ENCRYPTION,
          }),
        ),
      );
    },
    async delete(Key) {
      await s3Span("DeleteObject", Bucket, Key, () =>
        s3.send(new DeleteObjectCommand({ Bucket, Key })),
      );
    },
    readinessCheck: () => ({
      name: "object-store",
      async check() {
        await s3.send(new HeadBucketCommand({ Bucket }));
      },
    }),
    close: () => s3.destroy(),
  };
}
