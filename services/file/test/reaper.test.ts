import { afterAll, beforeAll, expect, test } from "bun:test";
import { createDatabase, createPool } from "@hangout/platform/db";
import { testImage, testImageFile } from "@hangout/platform/testing/images";
import { startTestCa, type TestCa } from "@hangout/platform/testing/step-ca";
import type { FileServiceClient, PresignedUpload } from "@hangout/proto/file/v1/file";
import { schema } from "../src/db/schema.ts";
import { createFilesRepository } from "../src/repositories/files.ts";
import { incomingKey, variantKeys } from "../src/services/object-keys.ts";
import { type FileHarness, startFileService } from "./harness.ts";
import { finishReady, isStored, mediaClient } from "./pipeline.ts";

let ca: TestCa;
let file: FileHarness;
let media: FileServiceClient;

beforeAll(async () => {
  ca = await startTestCa();
  file = await startFileService(ca, { FILE_REAPER_GRACE_SECONDS: "60" });
  media = await mediaClient(file);
});
afterAll(async () => {
  await file.close();
  await ca.stop();
});

const jpgIntent = () => testImageFile("jpg", { filename: "a.jpg", ownerRef: "memory:r" });
const put = async (upload: PresignedUpload) =>
  fetch(upload.url, { method: "PUT", headers: upload.headers, body: await testImage("jpg") });
const stored = (fileId: string) => isStored(file, incomingKey(fileId));
const findRows = async (ids: string[]) =>
  createFilesRepository(createDatabase(pool(), schema), file.service.hot).findByIds(ids);
const rows = async (ids: string[]) => (await findRows(ids)).map((r) => r.id);
const statusOf = async (id: string) => (await findRows([id]))[0]?.status;
let sharedPool: ReturnType<typeof createPool> | undefined;
const pool = () => {
  sharedPool ??= createPool(file.database.url);
  return sharedPool;
};
afterAll(() => sharedPool?.end());

test("removes abandoned PENDING uploads (object and row) only after expiry plus grace, never confirmed ones", async () => {
  const { uploads } = await file.client.createUploads({
    intents: [await jpgIntent(), await jpgIntent(), await jpgIntent()],
  });
  const [kept, abandoned, neverUploaded] = uploads as [
    PresignedUpload,
    PresignedUpload,
    PresignedUpload,
  ];
  await put(kept);
  await put(abandoned);
  await file.client.confirmUploads({ fileIds: [kept.fileId] });

  file.advance(900 + 59); // expired, still within the grace period
  expect(await file.service.deps.files.reap()).toBe(0);

  file.advance(2);
  expect(await file.service.deps.files.reap()).toBe(2);
  expect(await rows(uploads.map((u) => u.fileId))).toEqual([kept.fileId]);
  expect(await stored(abandoned.fileId)).toBe(false);
  expect(await stored(neverUploaded.fileId)).toBe(false);
  expect(await stored(kept.fileId)).toBe(true);
  expect(await statusOf(kept.fileId)).toBe("PROCESSING");

  // Years later the confirmed file, whose worker never answered, is still untouched: only the
  // sweep acts on it.
  file.advance(3 * 365 * 24 * 3600);
  expect(await file.service.deps.files.reap()).toBe(0);
  expect(await stored(kept.fileId)).toBe(true);
  expect(await statusOf(kept.fileId)).toBe("PROCESSING");
  file.advance(-(900 + 61 + 3 * 365 * 24 * 3600));
});

test("two reapers at once remove each abandoned upload exactly once, without errors", async () => {
  const { uploads } = await file.client.createUploads({
    intents: await Promise.all(Array.from({ length: 10 }, jpgIntent)),
  });
  await Promise.all(uploads.map(put));
  file.advance(900 + 61);
  try {
    const removed = await Promise.all([
      file.service.deps.files.reap(),
      file.service.deps.files.reap(),
    ]);
    // Both may finish a shared claim, but each row is deleted by exactly one of them.
    expect(removed[0] + removed[1]).toBe(10);
    expect(await rows(uploads.map((u) => u.fileId))).toEqual([]);
    for (const upload of uploads) expect(await stored(upload.fileId)).toBe(false);
  } finally {
    file.advance(-(900 + 61));
  }
});

test("a delete that crashed after its claim is finished by the next reaper pass", async () => {
  const { uploads } = await file.client.createUploads({ intents: [await jpgIntent()] });
  const upload = uploads[0]!;
  await put(upload);
  await file.client.confirmUploads({ fileIds: [upload.fileId] });
  await finishReady(file, media, upload.fileId);
  expect((await file.client.getDownloadUrls({ fileIds: [upload.fileId] })).urls).toHaveLength(1);
  const keys = Object.values(variantKeys(upload.fileId));
  // The first step of DeleteFiles, then "crash": the row is DELETING, the objects still there.
  await createFilesRepository(createDatabase(pool(), schema), file.service.hot).claimForDeletion(
    [upload.fileId],
    new Date(),
  );
  expect((await file.client.getDownloadUrls({ fileIds: [upload.fileId] })).urls).toEqual([]);
  expect(await file.service.deps.files.reap()).toBe(1);
  expect(await stored(upload.fileId)).toBe(false);
  for (const key of keys) expect(await isStored(file, key)).toBe(false);
  expect(await rows([upload.fileId])).toEqual([]);
});

test("a failed file's row stays until its owner deletes it", async () => {
  const { uploads } = await file.client.createUploads({ intents: [await jpgIntent()] });
  const { fileId } = uploads[0] as PresignedUpload;
  await put(uploads[0] as PresignedUpload);
  await file.client.confirmUploads({ fileIds: [fileId] });
  await media.completeProcessing({ fileId, failureReason: "undecodable" });
  file.advance(3 * 365 * 24 * 3600);
  try {
    await file.service.deps.files.reap();
    expect(await statusOf(fileId)).toBe("FAILED");
  } finally {
    file.advance(-(3 * 365 * 24 * 3600));
  }
  expect((await file.client.deleteFiles({ fileIds: [fileId] })).deletedFileIds).toEqual([fileId]);
  expect(await rows([fileId])).toEqual([]);
});

test("an abandoned upload's quarantine and variant keys go with it", async () => {
  const { uploads } = await file.client.createUploads({ intents: [await jpgIntent()] });
  const fileId = (uploads[0] as PresignedUpload).fileId;
  const keys = [incomingKey(fileId), ...Object.values(variantKeys(fileId))];
  const s3 = new Bun.S3Client({
    endpoint: file.s3.endpoint,
    bucket: file.s3.env.S3_BUCKET,
    region: file.s3.env.S3_REGION,
    accessKeyId: file.s3.env.S3_ACCESS_KEY_ID,
    secretAccessKey: file.s3.env.S3_SECRET_ACCESS_KEY,
  });
  for (const key of keys) await s3.write(key, "left behind");
  file.advance(900 + 61);
  expect(await file.service.deps.files.reap()).toBeGreaterThanOrEqual(1);
  for (const key of keys) expect(await s3.exists(key)).toBe(false);
  expect(await rows([fileId])).toEqual([]);
});
