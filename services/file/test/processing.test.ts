import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createDatabase } from "@hangout/platform/db";
import { testImageFile } from "@hangout/platform/testing/images";
import { startTestCa, type TestCa } from "@hangout/platform/testing/step-ca";
import type { FileServiceClient } from "@hangout/proto/file/v1/file";
import { Status } from "nice-grpc";
import { schema } from "../src/db/schema.ts";
import { createFilesRepository } from "../src/repositories/files.ts";
import { incomingKey } from "../src/services/object-keys.ts";
import { type FileHarness, startFileService } from "./harness.ts";
import {
  confirmedJpeg,
  isStored,
  mediaClient,
  outboxOf as outboxOfIn,
  PROCESSED,
  photo,
  UPLOADED,
  writeObject,
} from "./pipeline.ts";

// CompleteProcessing, the media worker's report (docs/decisions/0018-photo-pipeline.md).

let ca: TestCa;
let file: FileHarness;
let media: FileServiceClient;
let repo: ReturnType<typeof createFilesRepository>;

beforeAll(async () => {
  ca = await startTestCa();
  file = await startFileService(ca);
  media = await mediaClient(file);
  const pool = file.service.pool;
  repo = createFilesRepository(createDatabase(pool, schema), file.service.hot);
});
afterAll(async () => {
  await file.close();
  await ca.stop();
});

const write = (key: string, text?: string) => writeObject(file, key, text);
const stored = (key: string) => isStored(file, key);
const outboxOf = (fileId: string) => outboxOfIn(file, fileId);

/** A confirmed file (PROCESSING), with the variants the worker wrote before its report. */
async function processingFile() {
  const { fileId, keys } = await confirmedJpeg(file);
  for (const key of [keys.original, keys.preview, keys.thumbnail]) await write(key);
  return { fileId, keys };
}

const codeOf = async (call: Promise<unknown>) => {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  // A ClientError over the wire, a ServerError from the handlers: both carry code and details.
  const { code, details } = error as { code: Status; details: string };
  expect(code).toBeNumber();
  return { code, details };
};

describe("a ready report", () => {
  test("records the photo, appends file.processed and serves the three variants", async () => {
    const { fileId, keys } = await processingFile();
    expect(await media.completeProcessing({ fileId, ready: photo })).toEqual({
      status: "ready",
      failureReason: "",
    });

    const [row] = await repo.findByIds([fileId]);
    expect(row).toMatchObject({
      status: "READY",
      width: 3024,
      height: 4032,
      placeholder: photo.placeholder,
      failureReason: null,
      originalSize: 2_000_000,
      previewWidth: 1536,
      previewContentType: "image/webp",
      thumbnailHeight: 400,
      thumbnailSize: 20_000,
    });
    expect(row?.processedAt).toBeInstanceOf(Date);

    const events = await outboxOf(fileId);
    expect(events.map((e) => e.type)).toEqual([UPLOADED, PROCESSED]);
    expect(events[1]?.event.data).toEqual({
      fileId,
      ownerRef: "memory:m1",
      status: "ready",
      failureReason: null,
      width: 3024,
      height: 4032,
      placeholder: photo.placeholder,
      preview: { width: 1536, height: 2048, contentType: "image/webp" },
      thumbnail: { width: 300, height: 400, contentType: "image/webp" },
    });

    expect(await stored(incomingKey(fileId))).toBe(false);
    const [download] = (await file.client.getDownloadUrls({ fileIds: [fileId] })).urls;
    expect(download?.preview).toMatchObject({
      width: 1536,
      height: 2048,
      contentType: "image/webp",
    });
    expect(download?.thumbnail).toMatchObject({ width: 300, height: 400 });
    for (const [url, key] of [
      [download?.url, keys.original],
      [download?.preview?.url, keys.preview],
      [download?.thumbnail?.url, keys.thumbnail],
    ] as const) {
      expect(new URL(url as string).pathname).toEndWith(key);
      const response = await fetch(url as string);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe(`bytes of ${key}`);
    }

    // The relay publishes it: the broker confirmed the message.
    const deadline = Date.now() + 10_000;
    while (!(await outboxOf(fileId))[1]?.publishedAt && Date.now() < deadline) await Bun.sleep(50);
    expect((await outboxOf(fileId))[1]?.publishedAt).toBeInstanceOf(Date);
  });

  test("a second report changes nothing and answers the first", async () => {
    const { fileId, keys } = await processingFile();
    await media.completeProcessing({ fileId, ready: photo });
    const [before] = await repo.findByIds([fileId]);
    expect(await media.completeProcessing({ fileId, failureReason: "infected" })).toEqual({
      status: "ready",
      failureReason: "",
    });
    const other = { ...photo, width: 10, height: 10, placeholder: "AAAA" };
    expect((await media.completeProcessing({ fileId, ready: other })).status).toBe("ready");
    expect((await repo.findByIds([fileId]))[0]).toEqual(before as NonNullable<typeof before>);
    expect((await outboxOf(fileId)).map((e) => e.type)).toEqual([UPLOADED, PROCESSED]);
    expect(await stored(keys.original)).toBe(true);
  });
});

describe("a failed report", () => {
  test("infected: recorded with its reason, the upload and every variant deleted", async () => {
    const { fileId, keys } = await processingFile();
    expect(await media.completeProcessing({ fileId, failureReason: "infected" })).toEqual({
      status: "failed",
      failureReason: "infected",
    });
    const [row] = await repo.findByIds([fileId]);
    expect(row).toMatchObject({ status: "FAILED", failureReason: "infected", width: null });
    for (const key of [incomingKey(fileId), keys.original, keys.preview, keys.thumbnail]) {
      expect(await stored(key)).toBe(false);
    }
    const event = (await outboxOf(fileId)).find((e) => e.type === PROCESSED);
    expect(event?.event.data).toEqual({
      fileId,
      ownerRef: "memory:m1",
      status: "failed",
      failureReason: "infected",
      width: null,
      height: null,
      placeholder: null,
      preview: null,
      thumbnail: null,
    });
    // The first report wins; no download for a failed file.
    expect(await media.completeProcessing({ fileId, ready: photo })).toEqual({
      status: "failed",
      failureReason: "infected",
    });
    expect((await file.client.getDownloadUrls({ fileIds: [fileId] })).urls).toEqual([]);
  });

  test("a reason outside the closed list, or a malformed photo, is INVALID_ARGUMENT naming the field", async () => {
    const { fileId } = await processingFile();
    const reason = await codeOf(media.completeProcessing({ fileId, failureReason: "bored" }));
    expect(reason.code).toBe(Status.INVALID_ARGUMENT);
    expect(reason.details).toStartWith("failure_reason:");
    const { preview: _, ...noPreview } = photo;
    const missing = await codeOf(
      media.completeProcessing({ fileId, ready: { ...noPreview, preview: undefined } }),
    );
    expect(missing).toEqual({
      code: Status.INVALID_ARGUMENT,
      details: "ready.preview: is required",
    });
    const width = await codeOf(media.completeProcessing({ fileId, ready: { ...photo, width: 0 } }));
    expect(width.details).toStartWith("ready.width:");
    const id = await codeOf(media.completeProcessing({ fileId: "nope", failureReason: "missing" }));
    expect(id.details).toStartWith("file_id");
    expect((await repo.findByIds([fileId]))[0]?.status).toBe("PROCESSING");
  });
});

describe("the file's state", () => {
  test("unknown or deleted is NOT_FOUND; not yet processing is FAILED_PRECONDITION", async () => {
    const unknown = await codeOf(
      media.completeProcessing({ fileId: Bun.randomUUIDv7(), failureReason: "missing" }),
    );
    expect(unknown.code).toBe(Status.NOT_FOUND);

    // Deleted while the worker ran: what it wrote after the delete goes with its report.
    const { fileId, keys } = await processingFile();
    await file.client.deleteFiles({ fileIds: [fileId] });
    for (const key of Object.values(keys)) await write(key);
    expect((await codeOf(media.completeProcessing({ fileId, ready: photo }))).code).toBe(
      Status.NOT_FOUND,
    );
    for (const key of Object.values(keys)) expect(await stored(key)).toBe(false);

    const { uploads } = await file.client.createUploads({
      intents: [await testImageFile("png", { filename: "a.png", ownerRef: "memory:m2" })],
    });
    const pending = await codeOf(
      media.completeProcessing({ fileId: uploads[0]?.fileId as string, ready: photo }),
    );
    expect(pending.code).toBe(Status.FAILED_PRECONDITION);
  });

  test("a processing file has no download URL yet", async () => {
    const { fileId } = await processingFile();
    expect((await file.client.getDownloadUrls({ fileIds: [fileId] })).urls).toEqual([]);
  });

  test("DeleteFiles removes the upload, the variants and the row", async () => {
    const { fileId, keys } = await processingFile();
    await write(incomingKey(fileId), "left by a crash");
    await media.completeProcessing({ fileId, ready: photo });
    await write(incomingKey(fileId), "left by a crash");
    expect(await file.client.deleteFiles({ fileIds: [fileId] })).toEqual({
      deletedFileIds: [fileId],
    });
    for (const key of [incomingKey(fileId), keys.original, keys.preview, keys.thumbnail]) {
      expect(await stored(key)).toBe(false);
    }
    expect(await repo.findByIds([fileId])).toEqual([]);
  });
});

describe("callers, per method", () => {
  test("media may only report; hangout may not report", async () => {
    const { code } = await codeOf(
      media.createUploads({
        intents: [await testImageFile("jpg", { filename: "x.jpg", ownerRef: "memory:x" })],
      }),
    );
    expect(code).toBe(Status.PERMISSION_DENIED);
    for (const call of [
      media.getDownloadUrls({ fileIds: [Bun.randomUUIDv7()] }),
      media.confirmUploads({ fileIds: [Bun.randomUUIDv7()] }),
      media.deleteFiles({ fileIds: [Bun.randomUUIDv7()] }),
    ]) {
      expect((await codeOf(call)).code).toBe(Status.PERMISSION_DENIED);
    }
    const denied = await codeOf(
      file.client.completeProcessing({ fileId: Bun.randomUUIDv7(), failureReason: "missing" }),
    );
    expect(denied).toEqual({
      code: Status.PERMISSION_DENIED,
      details: "caller hangout may not call FileService/CompleteProcessing",
    });
  });
});
