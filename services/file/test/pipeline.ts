import { testImage, testImageFile } from "@hangout/platform/testing/images";
import type { FileServiceClient, ProcessedPhoto } from "@hangout/proto/file/v1/file";
import type { RowDataPacket } from "mysql2/promise";
import { SERVICES } from "../../../step-ca/bootstrap.ts";
import { perMethodCallers } from "../src/grpc/callers.ts";
import { fileService } from "../src/grpc/file-service.ts";
import { variantKeys } from "../src/services/object-keys.ts";
import { handlersAs } from "./handlers-as.ts";
import type { FileHarness } from "./harness.ts";

// The media worker's side of the pipeline, for tests (docs/decisions/0018-photo-pipeline.md).

export const UPLOADED = "dev.hangout-planner.file.uploaded.v1";
export const PROCESSED = "dev.hangout-planner.file.processed.v1";

/**
 * A client with the media identity. Until the test CA has a provisioner for media
 * (step-ca/bootstrap.ts SERVICES), its calls go to the handlers the server registers, guard
 * included, with media as the verified caller.
 */
export async function mediaClient(file: FileHarness): Promise<FileServiceClient> {
  if ((SERVICES as readonly string[]).includes("media")) return file.clientAs("media");
  const { files, processing } = file.service.deps;
  return handlersAs("media", perMethodCallers(fileService(files, processing)));
}

const storeOf = (file: FileHarness) =>
  new Bun.S3Client({
    endpoint: file.s3.endpoint,
    bucket: file.s3.env.S3_BUCKET,
    region: file.s3.env.S3_REGION,
    accessKeyId: file.s3.env.S3_ACCESS_KEY_ID,
    secretAccessKey: file.s3.env.S3_SECRET_ACCESS_KEY,
  });

/** Writes an object straight into the store, as the client's PUT or the worker would. */
export async function writeObject(
  file: FileHarness,
  key: string,
  body: string | Uint8Array = `bytes of ${key}`,
  type?: string,
) {
  await storeOf(file).write(key, body, type ? { type } : {});
}

export const readObject = async (file: FileHarness, key: string) =>
  new Uint8Array(await storeOf(file).file(key).arrayBuffer());

export const isStored = async (file: FileHarness, key: string) =>
  (await file.service.deps.store.head(key)) !== undefined;

/** The file's outbox rows, oldest first. */
export async function outboxOf(file: FileHarness, fileId: string) {
  const [rows] = await file.service.pool.query<RowDataPacket[]>(
    "SELECT type, payload, published_at FROM outbox WHERE aggregate_id = ? ORDER BY seq",
    [fileId],
  );
  return rows.map((row) => ({
    type: row.type as string,
    event: JSON.parse(row.payload as string),
    publishedAt: row.published_at as Date | null,
  }));
}

export const photo: ProcessedPhoto = {
  width: 3024,
  height: 4032,
  placeholder: "1QcSHQRnh493V4dIh4eXh1h4kJUI",
  original: { width: 3024, height: 4032, contentType: "image/jpeg", size: 2_000_000 },
  preview: { width: 1536, height: 2048, contentType: "image/webp", size: 300_000 },
  thumbnail: { width: 300, height: 400, contentType: "image/webp", size: 20_000 },
};

/** A JPEG uploaded through its presigned PUT and confirmed: PROCESSING, its job in the outbox. */
export async function confirmedJpeg(file: FileHarness, ownerRef = "memory:m1") {
  const { uploads } = await file.client.createUploads({
    intents: [await testImageFile("jpg", { filename: "beach.jpg", ownerRef })],
  });
  const upload = uploads[0] as NonNullable<(typeof uploads)[number]>;
  const put = await fetch(upload.url, {
    method: "PUT",
    headers: upload.headers,
    body: await testImage("jpg"),
  });
  if (put.status !== 200) throw new Error(`PUT answered ${put.status}`);
  const { results } = await file.client.confirmUploads({ fileIds: [upload.fileId] });
  if (!results[0]?.confirmed) throw new Error(`confirm failed: ${results[0]?.failureReason}`);
  return { fileId: upload.fileId, keys: variantKeys(upload.fileId) };
}

/** What the worker does for a ready photo: the three variants, then its report. */
export async function finishReady(
  file: FileHarness,
  media: FileServiceClient,
  fileId: string,
  original?: Uint8Array,
) {
  const keys = variantKeys(fileId);
  await writeObject(file, keys.original, original);
  await writeObject(file, keys.preview);
  await writeObject(file, keys.thumbnail);
  return media.completeProcessing({ fileId, ready: photo });
}
