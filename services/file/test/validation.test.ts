import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { testImageFile } from "@hangout/platform/testing/images";
import { startTestCa, type TestCa } from "@hangout/platform/testing/step-ca";
import type { UploadIntent } from "@hangout/proto/file/v1/file";
import mysql from "mysql2/promise";
import { ClientError, Status } from "nice-grpc";
import { type FileHarness, startFileService } from "./harness.ts";

let ca: TestCa;
let file: FileHarness;
let good: UploadIntent;

beforeAll(async () => {
  ca = await startTestCa();
  file = await startFileService(ca);
  good = await testImageFile("jpg", { ownerRef: "memory:1" });
});
afterAll(async () => {
  await file.close();
  await ca.stop();
});

const rowCount = async () => {
  const connection = await mysql.createConnection({ uri: file.database.url });
  try {
    const [rows] = await connection.query("SELECT COUNT(*) AS n FROM files");
    return Number((rows as { n: number }[])[0]?.n);
  } finally {
    await connection.end();
  }
};

/** The call fails with INVALID_ARGUMENT whose message starts with the field's path. */
async function expectInvalid(call: Promise<unknown>, field: string) {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ClientError);
  expect((error as ClientError).code).toBe(Status.INVALID_ARGUMENT);
  expect((error as ClientError).details).toStartWith(`${field}: `);
}

describe("CreateUploads refuses bad intents before anything is written", () => {
  const cases: [string, () => UploadIntent[], string][] = [
    ["no intents", () => [], "intents"],
    ["eleven intents", () => Array.from({ length: 11 }, () => good), "intents"],
    ["an empty filename", () => [{ ...good, filename: "" }], "intents[0].filename"],
    [
      "a 256-character filename",
      () => [{ ...good, filename: `${"a".repeat(252)}.jpg` }],
      "intents[0].filename",
    ],
    ["a control character", () => [{ ...good, filename: "a\u0000b.jpg" }], "intents[0].filename"],
    [
      "a disallowed type",
      () => [{ ...good, contentType: "image/svg+xml", filename: "x.svg" }],
      "intents[0].content_type",
    ],
    [
      "a non-image type",
      () => [{ ...good, contentType: "text/html", filename: "x.html" }],
      "intents[0].content_type",
    ],
    ["a mismatched extension", () => [{ ...good, filename: "photo.png" }], "intents[0].filename"],
    ["no extension", () => [{ ...good, filename: "photo" }], "intents[0].filename"],
    [
      "a double extension ending wrong",
      () => [{ ...good, filename: "photo.jpg.exe" }],
      "intents[0].filename",
    ],
    ["size 0", () => [{ ...good, size: 0 }], "intents[0].size"],
    ["size over 10 MiB", () => [{ ...good, size: 10 * 1024 * 1024 + 1 }], "intents[0].size"],
    ["a hex checksum", () => [{ ...good, sha256: "a".repeat(64) }], "intents[0].sha256"],
    ["a short checksum", () => [{ ...good, sha256: "abc=" }], "intents[0].sha256"],
    ["an empty owner_ref", () => [{ ...good, ownerRef: "" }], "intents[0].owner_ref"],
    ["a bad second intent", () => [good, { ...good, size: -1 }], "intents[1].size"],
  ];
  for (const [name, intents, field] of cases) {
    test(`${name} → INVALID_ARGUMENT naming ${field}`, async () => {
      await expectInvalid(file.client.createUploads({ intents: intents() }), field);
      expect(await rowCount()).toBe(0);
    });
  }

  test("exactly 10 MiB, 10 intents and upper-case extensions are accepted", async () => {
    const intents = Array.from({ length: 10 }, (_, i) => ({
      ...good,
      filename: i % 2 ? "PHOTO.JPEG" : "photo.jpg",
      size: 10 * 1024 * 1024,
    }));
    const { uploads } = await file.client.createUploads({ intents });
    expect(uploads).toHaveLength(10);
    expect(await rowCount()).toBe(10);
  });
});

describe("id batches", () => {
  for (const method of ["confirmUploads", "getDownloadUrls", "deleteFiles"] as const) {
    test(`${method}: empty, over 100, or a non-UUID id is INVALID_ARGUMENT`, async () => {
      const call = (fileIds: string[]) => file.client[method]({ fileIds });
      await expectInvalid(call([]), "file_ids");
      await expectInvalid(call(Array.from({ length: 101 }, () => Bun.randomUUIDv7())), "file_ids");
      await expectInvalid(call([Bun.randomUUIDv7(), "../etc/passwd"]), "file_ids[1]");
    });
  }
});
