import { createGrpcClient } from "@hangout/platform/grpc/client";
import { sha256Base64, type TestImage, testImage } from "@hangout/platform/testing/images";
import { FileServiceDefinition, type UploadIntent } from "../proto/gen/file/v1/file.ts";
import { type Channel, HealthDefinition } from "./grpc-deps.ts";

// The calls the grpc section measures, the two transports they go over and the files they need.

export const DOWNLOAD_FILES = 50;
export const UPLOAD_FILES = 10;

export const fileClientOf = (channel: Channel) => createGrpcClient(FileServiceDefinition, channel);
export const healthClientOf = (channel: Channel) => createGrpcClient(HealthDefinition, channel);

export interface Transport {
  name: "mTLS" | "plaintext";
  channel: Channel;
  file: ReturnType<typeof fileClientOf>;
  health: ReturnType<typeof healthClientOf>;
  /** Where this transport's server publishes grpc_server_handling_seconds. */
  metricsUrl: string;
}

export type HandlerName = "createUploads" | "downloadUrls";

export interface Call {
  name: string;
  /** The use case whose handler time the server records for this call. */
  handler?: HandlerName;
  /** Also read the server's grpc_server_handling_seconds around each slice (this method). */
  prometheusMethod?: string;
  /** One call; throws when the answer is not what it should be. */
  run(transport: Transport): Promise<void>;
}

const MIME: Record<Exclude<TestImage, "bmp">, string> = {
  jpg: "image/jpeg",
  png: "image/png",
  gif: "image/gif",
  webp: "image/webp",
};

/** `count` intents cycling through the four accepted formats, with their real sizes and sums. */
export async function intents(
  count: number,
): Promise<{ intent: UploadIntent; bytes: Uint8Array }[]> {
  const formats = Object.keys(MIME) as (keyof typeof MIME)[];
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const format = formats[i % formats.length]!;
      const bytes = await testImage(format);
      return {
        bytes,
        intent: {
          filename: `bench-${i}.${format}`,
          contentType: MIME[format],
          size: bytes.length,
          sha256: sha256Base64(bytes),
          ownerRef: "memory:bench",
        },
      };
    }),
  );
}

/** Where the bench stands in for the media worker: file's client as `media`, and the store. */
export interface WorkerStandIn {
  file: ReturnType<typeof fileClientOf>;
  store: Bun.S3Client;
}

/**
 * `count` ready files through the real flow: CreateUploads (10 at a time), PUT the bytes,
 * confirm; then what the media worker does, so GetDownloadUrls has files to sign: the upload
 * copied under the three variant keys, and CompleteProcessing (the bench measures file's calls,
 * not the photo pipeline; `bun run bench media` does that).
 */
export async function readyFiles(
  transport: Transport,
  worker: WorkerStandIn,
  count: number,
): Promise<string[]> {
  const ids: string[] = [];
  const bytesOf = new Map<string, Uint8Array>();
  for (let start = 0; start < count; start += UPLOAD_FILES) {
    const batch = await intents(Math.min(UPLOAD_FILES, count - start));
    const { uploads } = await transport.file.createUploads({ intents: batch.map((b) => b.intent) });
    await Promise.all(
      uploads.map(async (upload, i) => {
        const response = await fetch(upload.url, {
          method: upload.method,
          headers: upload.headers,
          body: batch[i]!.bytes,
        });
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`PUT of upload ${i}: ${response.status}`);
        bytesOf.set(upload.fileId, batch[i]!.bytes);
      }),
    );
    ids.push(...uploads.map((u) => u.fileId));
  }
  const { results } = await transport.file.confirmUploads({ fileIds: ids });
  const failed = results.filter((r) => !r.confirmed);
  if (failed.length > 0) {
    throw new Error(`confirm failed: ${failed.map((r) => r.failureReason).join(", ")}`);
  }
  for (const id of ids) {
    const bytes = bytesOf.get(id)!;
    const variant = { width: 1, height: 1, contentType: "image/webp", size: bytes.length };
    for (const key of ["original", "preview.webp", "thumb.webp"])
      await worker.store.write(`media/${id}/${key}`, bytes);
    await worker.file.completeProcessing({
      fileId: id,
      ready: {
        width: 1,
        height: 1,
        placeholder: "bench",
        original: variant,
        preview: variant,
        thumbnail: variant,
      },
    });
  }
  return ids;
}

export function buildCalls(fileIds: string[], uploadIntents: UploadIntent[]): Call[] {
  const one = [fileIds[0]!];
  return [
    {
      name: "Health.Check",
      async run(t) {
        const { status } = await t.health.check({ service: "" });
        // grpc.health.v1 HealthCheckResponse.ServingStatus.SERVING
        if (status !== 1) throw new Error(`health status ${status}`);
      },
    },
    {
      name: "GetDownloadUrls x1",
      handler: "downloadUrls",
      async run(t) {
        const { urls } = await t.file.getDownloadUrls({ fileIds: one });
        if (urls.length !== 1) throw new Error(`${urls.length} URLs for 1 file`);
      },
    },
    {
      name: `GetDownloadUrls x${fileIds.length}`,
      handler: "downloadUrls",
      async run(t) {
        const { urls } = await t.file.getDownloadUrls({ fileIds });
        if (urls.length !== fileIds.length) {
          throw new Error(`${urls.length} URLs for ${fileIds.length} files`);
        }
      },
    },
    {
      name: `CreateUploads x${uploadIntents.length}`,
      handler: "createUploads",
      prometheusMethod: "CreateUploads",
      async run(t) {
        const { uploads } = await t.file.createUploads({ intents: uploadIntents });
        if (uploads.length !== uploadIntents.length) {
          throw new Error(`${uploads.length} uploads for ${uploadIntents.length} intents`);
        }
      },
    },
  ];
}
