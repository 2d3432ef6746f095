import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  sha256Base64,
  type TestImage,
  testImage,
  testImageFile,
} from "@hangout/platform/testing/images";
import { startTestCa, type TestCa } from "@hangout/platform/testing/step-ca";
import type { FileServiceClient, PresignedUpload } from "@hangout/proto/file/v1/file";
import { incomingKey } from "../src/services/object-keys.ts";
import { type FileHarness, startFileService } from "./harness.ts";
import {
  finishReady,
  isStored,
  mediaClient,
  outboxOf,
  PROCESSED,
  readObject,
  UPLOADED,
} from "./pipeline.ts";

let ca: TestCa;
let file: FileHarness;
let media: FileServiceClient;
let s3: S3Client;

beforeAll(async () => {
  ca = await startTestCa();
  file = await startFileService(ca);
  media = await mediaClient(file);
  s3 = new S3Client({
    endpoint: file.s3.endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    requestChecksumCalculation: "WHEN_REQUIRED",
  });
});
afterAll(async () => {
  s3.destroy();
  await file.close();
  await ca.stop();
});

const intentFor = (format: TestImage, overrides: Record<string, unknown> = {}) =>
  testImageFile(format, { filename: `holiday.${format}`, ownerRef: "memory:test", ...overrides });

const put = (upload: PresignedUpload, body: Uint8Array, headers: Record<string, string> = {}) =>
  fetch(upload.url, { method: upload.method, headers: { ...upload.headers, ...headers }, body });

/** Writes bytes straight into the store (as a misbehaving client's upload would end up). */
const putRaw = (upload: PresignedUpload, body: Uint8Array, contentType: string) =>
  s3.send(
    new PutObjectCommand({
      Bucket: "hangout-files",
      Key: new URL(upload.url).pathname.replace("/hangout-files/", ""),
      Body: body,
      ContentType: contentType,
    }),
  );

/** Whether the store holds the file's upload, in the quarantine (a HEAD on the store itself). */
const stored = (fileId: string) => isStored(file, incomingKey(fileId));

describe("create → PUT → confirm → processed → download → delete", () => {
  test("a JPEG and a PNG make the whole round trip with their bytes intact", async () => {
    const jpg = await testImage("jpg");
    const png = await testImage("png");
    const { uploads } = await file.client.createUploads({
      intents: [await intentFor("jpg"), await intentFor("png")],
    });
    expect(uploads).toHaveLength(2);
    for (const [i, upload] of uploads.entries()) {
      expect(upload.method).toBe("PUT");
      expect((await put(upload, i === 0 ? jpg : png)).status).toBe(200);
    }

    const { results } = await file.client.confirmUploads({
      fileIds: uploads.map((u) => u.fileId),
    });
    expect(results.map((r) => r.confirmed?.contentType)).toEqual(["image/jpeg", "image/png"]);
    expect(results[0]?.confirmed).toMatchObject({
      fileId: uploads[0]?.fileId,
      filename: "holiday.jpg",
      size: jpg.length,
      ownerRef: "memory:test",
    });

    // Quarantined, the bytes as sent, and no URL until the worker reported them ready.
    const fileIds = uploads.map((u) => u.fileId);
    expect((await file.client.getDownloadUrls({ fileIds })).urls).toEqual([]);
    for (const [i, fileId] of fileIds.entries()) {
      const sent = i === 0 ? jpg : png;
      expect(await readObject(file, incomingKey(fileId))).toEqual(sent);
      expect((await outboxOf(file, fileId)).map((e) => e.type)).toEqual([UPLOADED]);
      // The worker's metadata-free copy: these test images carry no metadata to strip.
      await finishReady(file, media, fileId, sent);
      expect(await stored(fileId)).toBe(false);
    }

    const { urls } = await file.client.getDownloadUrls({ fileIds });
    expect(urls.map((u) => u.fileId)).toEqual(uploads.map((u) => u.fileId));
    const downloaded = await Promise.all(
      urls.map(async (u) => new Uint8Array(await (await fetch(u.url)).arrayBuffer())),
    );
    expect(downloaded[0]).toEqual(jpg);
    expect(downloaded[1]).toEqual(png);
    const getUrl = new URL(urls[0]!.url);
    expect(getUrl.searchParams.get("X-Amz-Expires")).toBe("300");
    expect(urls[0]!.expiresAt!.getTime() - Date.now()).toBeWithin(295_000, 301_000);

    const deleted = await file.client.deleteFiles({ fileIds: uploads.map((u) => u.fileId) });
    expect(deleted.deletedFileIds.sort()).toEqual(uploads.map((u) => u.fileId).sort());
    expect((await fetch(urls[0]!.url)).status).toBe(404);
    expect((await file.client.getDownloadUrls({ fileIds: [uploads[0]!.fileId] })).urls).toEqual([]);
  });

  test("the presigned PUT signs type, length, checksum and encryption, expires in 15 minutes, and names no user path", async () => {
    const { uploads } = await file.client.createUploads({
      intents: [await intentFor("jpg", { filename: "../../etc/passwd/evil.jpg" })],
    });
    const upload = uploads[0]!;
    const url = new URL(upload.url);
    expect(url.searchParams.get("X-Amz-SignedHeaders")?.split(";")).toEqual([
      "content-length",
      "content-type",
      "host",
      "x-amz-checksum-sha256",
      "x-amz-server-side-encryption",
    ]);
    expect(url.searchParams.get("X-Amz-Expires")).toBe("900");
    expect(url.pathname).toBe(`/hangout-files/incoming/${upload.fileId}`);
    expect(upload.headers).toEqual({
      "content-type": "image/jpeg",
      "content-length": String((await testImage("jpg")).length),
      "x-amz-checksum-sha256": sha256Base64(await testImage("jpg")),
      "x-amz-server-side-encryption": "AES256",
    });
    expect(upload.expiresAt!.getTime() - Date.now()).toBeWithin(895_000, 901_000);
  });

  test("the store refuses a PUT whose signed headers were changed", async () => {
    const jpg = await testImage("jpg");
    const { uploads } = await file.client.createUploads({ intents: [await intentFor("jpg")] });
    const upload = uploads[0]!;
    const tamperings: Record<string, string>[] = [
      { "content-type": "image/png" },
      { "x-amz-checksum-sha256": sha256Base64(new Uint8Array([1])) },
      { "x-amz-server-side-encryption": "aws:kms" },
    ];
    for (const tampered of tamperings) {
      expect((await put(upload, jpg, tampered)).status).toBe(403);
    }
    // A longer body needs another Content-Length, which is signed too.
    expect(
      (await put(upload, new Uint8Array([...jpg, 0]), { "content-length": String(jpg.length + 1) }))
        .status,
    ).toBe(403);
    expect(await stored(upload.fileId)).toBe(false);
  });
});

describe("confirm", () => {
  test("reports each bad object on its own, deletes it, and confirms the good ones", async () => {
    const jpg = await testImage("jpg");
    const png = await testImage("png");
    const text = new TextEncoder().encode("this is not an image, just text of some length");
    const { uploads } = await file.client.createUploads({
      intents: [
        await intentFor("jpg"), // 0: good
        await intentFor("png"), // 1: never uploaded
        await intentFor("jpg"), // 2: truncated
        { ...(await intentFor("jpg")), size: text.length, sha256: sha256Base64(text) }, // 3: text
        { ...(await intentFor("jpg")), size: png.length, sha256: sha256Base64(png) }, // 4: a PNG
        await intentFor("jpg"), // 5: stored with another content type
        await intentFor("jpg"), // 6: same size, other bytes
      ],
    });
    const u = uploads as [PresignedUpload, ...PresignedUpload[]];
    expect((await put(u[0], jpg)).status).toBe(200);
    await putRaw(u[2]!, jpg.subarray(0, 100), "image/jpeg");
    await putRaw(u[3]!, text, "image/jpeg");
    await putRaw(u[4]!, png, "image/jpeg");
    await putRaw(u[5]!, jpg, "image/png");
    const other = jpg.slice();
    other[200] = (other[200] ?? 0) ^ 0xff;
    await putRaw(u[6]!, other, "image/jpeg");

    const { results } = await file.client.confirmUploads({ fileIds: u.map((x) => x.fileId) });
    expect(results.map((r) => r.failureReason ?? "confirmed")).toEqual([
      "confirmed",
      "missing",
      "size_mismatch",
      "not_an_image",
      "type_mismatch",
      "type_mismatch",
      "checksum_mismatch",
    ]);
    expect(await stored(u[0].fileId)).toBe(true);
    for (const bad of u.slice(2)) expect(await stored(bad.fileId)).toBe(false);
    // Refused files stay PENDING: a fixed upload with the same URL can still be confirmed.
    expect((await put(u[2]!, jpg)).status).toBe(200);
    const again = await file.client.confirmUploads({ fileIds: [u[2]!.fileId] });
    expect(again.results[0]?.confirmed?.fileId).toBe(u[2]!.fileId);
  });

  test("is idempotent, also when two confirms race", async () => {
    const jpg = await testImage("jpg");
    const { uploads } = await file.client.createUploads({ intents: [await intentFor("jpg")] });
    await put(uploads[0]!, jpg);
    const fileIds = [uploads[0]!.fileId];
    const raced = await Promise.all([
      file.client.confirmUploads({ fileIds }),
      file.client.confirmUploads({ fileIds }),
    ]);
    const later = await file.client.confirmUploads({ fileIds });
    for (const { results } of [...raced, later]) {
      expect(results[0]?.confirmed?.fileId).toBe(fileIds[0]);
    }
    // One job for the worker, however many confirms.
    expect((await outboxOf(file, fileIds[0] as string)).map((e) => e.type)).toEqual([UPLOADED]);
  });

  test("an unknown id is not_found, and a file past its upload window plus grace is expired", async () => {
    const { uploads } = await file.client.createUploads({ intents: [await intentFor("gif")] });
    await put(uploads[0]!, await testImage("gif"));
    const unknown = Bun.randomUUIDv7();
    file.advance(900 + 301);
    try {
      const { results } = await file.client.confirmUploads({
        fileIds: [uploads[0]!.fileId, unknown],
      });
      expect(results.map((r) => r.failureReason)).toEqual(["expired", "not_found"]);
    } finally {
      file.advance(-(900 + 301));
    }
  });

  test("accepts webp and gif by their magic bytes", async () => {
    const { uploads } = await file.client.createUploads({
      intents: [await intentFor("webp"), await intentFor("gif")],
    });
    await put(uploads[0]!, await testImage("webp"));
    await put(uploads[1]!, await testImage("gif"));
    const { results } = await file.client.confirmUploads({ fileIds: uploads.map((x) => x.fileId) });
    expect(results.map((r) => r.confirmed?.contentType)).toEqual(["image/webp", "image/gif"]);
  });
});

describe("download and delete", () => {
  test("download URLs exist only for files processed ready, never under incoming/", async () => {
    const { uploads } = await file.client.createUploads({ intents: [await intentFor("png")] });
    const fileIds = [uploads[0]!.fileId];
    await put(uploads[0]!, await testImage("png"));
    expect((await file.client.getDownloadUrls({ fileIds })).urls).toEqual([]);
    await file.client.confirmUploads({ fileIds });
    expect((await file.client.getDownloadUrls({ fileIds })).urls).toEqual([]);
    expect(await finishReady(file, media, fileIds[0]!)).toEqual({
      status: "ready",
      failureReason: "",
    });
    const [download] = (await file.client.getDownloadUrls({ fileIds })).urls;
    expect(new URL(download!.url).pathname).toEndWith(`/media/${fileIds[0]}/original`);
    expect((await fetch(download!.url)).status).toBe(200);
    expect(download?.preview).toMatchObject({
      width: 1536,
      height: 2048,
      contentType: "image/webp",
    });
    expect((await outboxOf(file, fileIds[0]!)).map((e) => e.type)).toEqual([UPLOADED, PROCESSED]);
  });

  test("deleting twice, or deleting an unknown id, is harmless", async () => {
    const { uploads } = await file.client.createUploads({ intents: [await intentFor("png")] });
    await put(uploads[0]!, await testImage("png"));
    const fileIds = [uploads[0]!.fileId, Bun.randomUUIDv7()];
    expect((await file.client.deleteFiles({ fileIds })).deletedFileIds).toEqual([fileIds[0]!]);
    expect((await file.client.deleteFiles({ fileIds })).deletedFileIds).toEqual([]);
    expect(await stored(fileIds[0]!)).toBe(false);
  });
});
