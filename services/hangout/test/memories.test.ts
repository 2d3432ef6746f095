import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { sha256Base64, testImage, testImageFile } from "@hangout/platform/testing/images";
import { count, createHangout, type Upload } from "./fixtures.ts";
import { type Stack, startStack, type TestUser } from "./harness.ts";

let stack: Stack;
let owner: TestUser;
let outsider: TestUser;
let hangoutId: string;

beforeAll(async () => {
  stack = await startStack();
  owner = await stack.user("Owner");
  outsider = await stack.user("Outsider");
  hangoutId = (
    await createHangout(stack, owner, { title: "Beach day", startsAt: "2027-07-01T10:00:00Z" })
  ).id;
});
afterAll(() => stack.stop());

const fileFor = (format: "jpg" | "png" | "gif", overrides: Record<string, unknown> = {}) =>
  testImageFile(format, overrides);

const memoryCount = () => count(stack, "SELECT COUNT(*) AS n FROM memories");

describe("upload → PUT → confirm → list → download → delete", () => {
  test("a JPEG and a PNG round-trip through the presigned URLs", async () => {
    const api = stack.as(owner);
    const response = await api.post(`/hangouts/${hangoutId}/memories/uploads`, {
      files: [await fileFor("jpg"), await fileFor("png")],
    });
    expect(response.status).toBe(201);
    const { uploads } = (await response.json()) as { uploads: Upload[] };
    const bytes = [await testImage("jpg"), await testImage("png")];
    for (const [i, upload] of uploads.entries()) {
      const put = await fetch(upload.url, {
        method: upload.method,
        headers: upload.headers,
        body: bytes[i],
      });
      expect(put.status).toBe(200);
    }
    const confirm = await api.post(`/hangouts/${hangoutId}/memories/confirm`, {
      memoryIds: uploads.map((u) => u.memoryId),
    });
    expect(confirm.status).toBe(200);
    const confirmed = (await confirm.json()) as {
      confirmed: { id: string; status: string; url: string | null }[];
      failed: unknown[];
    };
    expect(confirmed.failed).toEqual([]);
    expect(confirmed.confirmed.map((m) => m.id).sort()).toEqual(
      uploads.map((u) => u.memoryId).sort(),
    );
    // Confirmed, listed, but not downloadable until the photo pipeline says it is ready.
    for (const memory of confirmed.confirmed) {
      expect(memory).toMatchObject({ status: "processing", url: null, urlExpiresAt: null });
    }
    const processing = (await (await api.get(`/hangouts/${hangoutId}/memories`)).json()) as {
      items: { id: string; status: string; url: string | null }[];
    };
    expect(processing.items.map((m) => [m.id, m.status, m.url])).toEqual(
      [...uploads.map((u) => u.memoryId)].reverse().map((id) => [id, "processing", null]),
    );
    await stack.markPhotoReady(uploads.map((u) => u.memoryId));

    const list = (await (await api.get(`/hangouts/${hangoutId}/memories`)).json()) as {
      items: { id: string; url: string; contentType: string; uploadedBy: string; status: string }[];
    };
    expect(list.items.map((m) => m.id)).toEqual([...uploads.map((u) => u.memoryId)].reverse());
    for (const item of list.items) {
      const downloaded = new Uint8Array(await (await fetch(item.url)).arrayBuffer());
      expect(downloaded).toEqual(item.contentType === "image/jpeg" ? bytes[0]! : bytes[1]!);
      expect(item.uploadedBy).toBe(owner.id);
      expect(item.status).toBe("ready");
    }

    expect((await api.get(`/memories/${uploads[0]!.memoryId}`)).status).toBe(200);
    expect((await stack.as(outsider).get(`/memories/${uploads[0]!.memoryId}`)).status).toBe(404);
    expect((await stack.as(outsider).delete(`/memories/${uploads[0]!.memoryId}`)).status).toBe(404);

    const firstUrl = list.items.find((m) => m.id === uploads[0]!.memoryId)!.url;
    expect((await api.delete(`/memories/${uploads[0]!.memoryId}`)).status).toBe(204);
    expect((await api.get(`/memories/${uploads[0]!.memoryId}`)).status).toBe(404);
    expect((await fetch(firstUrl)).status).toBe(404);
  });

  test("confirm fails per memory for a missing, truncated or non-image object", async () => {
    const api = stack.as(owner);
    const text = new TextEncoder().encode("not an image at all, only some text.");
    const { uploads } = (await (
      await api.post(`/hangouts/${hangoutId}/memories/uploads`, {
        files: [
          await fileFor("gif"),
          await fileFor("jpg"),
          await fileFor("png"),
          {
            filename: "x.jpg",
            contentType: "image/jpeg",
            size: text.length,
            sha256: sha256Base64(text),
          },
        ],
      })
    ).json()) as { uploads: Upload[] };
    await fetch(uploads[0]!.url, {
      method: "PUT",
      headers: uploads[0]!.headers,
      body: await testImage("gif"),
    });
    // [1] never uploaded; [2] truncated (the signed length refuses it, so the object stays missing)
    const png = await testImage("png");
    const truncated = await fetch(uploads[2]!.url, {
      method: "PUT",
      headers: { ...uploads[2]!.headers, "content-length": String(png.length - 10) },
      body: png.subarray(0, png.length - 10),
    });
    expect(truncated.status).toBe(403);
    await fetch(uploads[3]!.url, { method: "PUT", headers: uploads[3]!.headers, body: text });

    const result = (await (
      await api.post(`/hangouts/${hangoutId}/memories/confirm`, {
        memoryIds: uploads.map((u) => u.memoryId),
      })
    ).json()) as { confirmed: { id: string }[]; failed: { memoryId: string; reason: string }[] };
    expect(result.confirmed.map((m) => m.id)).toEqual([uploads[0]!.memoryId]);
    expect(result.failed).toEqual([
      { memoryId: uploads[1]!.memoryId, reason: "missing" },
      { memoryId: uploads[2]!.memoryId, reason: "missing" },
      { memoryId: uploads[3]!.memoryId, reason: "not_an_image" },
    ]);
  });
});

describe("validation happens before any URL is issued", () => {
  const cases: [string, () => Promise<unknown>, string][] = [
    [
      "11 files",
      async () => ({
        files: Array.from({ length: 11 }, () => ({
          filename: "a.jpg",
          contentType: "image/jpeg",
          size: 1,
          sha256: `${"A".repeat(43)}=`,
        })),
      }),
      "/files",
    ],
    [
      "a size over 10 MiB",
      async () => ({ files: [await fileFor("jpg", { size: 10 * 1024 * 1024 + 1 })] }),
      "/files/0/size",
    ],
    [
      "a disallowed type",
      async () => ({
        files: [await fileFor("jpg", { contentType: "image/svg+xml", filename: "a.svg" })],
      }),
      "/files/0/contentType",
    ],
    [
      "a mismatched extension",
      async () => ({ files: [await fileFor("jpg", { filename: "photo.png" })] }),
      "/files/0/filename",
    ],
    [
      "a hex checksum",
      async () => ({ files: [await fileFor("jpg", { sha256: "ab".repeat(32) })] }),
      "/files/0/sha256",
    ],
  ];
  for (const [name, body, path] of cases) {
    test(`${name} → 422 at ${path}`, async () => {
      const before = await memoryCount();
      const response = await stack
        .as(owner)
        .post(`/hangouts/${hangoutId}/memories/uploads`, await body());
      expect(response.status).toBe(422);
      const problem = (await response.json()) as { errors: { path: string }[] };
      expect(problem.errors.map((e) => e.path)).toContain(path);
      expect(await memoryCount()).toBe(before);
    });
  }

  test("malformed JSON → 400", async () => {
    const response = await stack.as(owner).post(`/hangouts/${hangoutId}/memories/uploads`, "{nope");
    expect(response.status).toBe(400);
  });
});

test("deleting the hangout deletes its memories' files from the store", async () => {
  const api = stack.as(owner);
  const created = (await (
    await api.post("/hangouts", { title: "Short-lived", startsAt: "2027-08-01T10:00:00Z" })
  ).json()) as { id: string };
  const { uploads } = (await (
    await api.post(`/hangouts/${created.id}/memories/uploads`, { files: [await fileFor("jpg")] })
  ).json()) as { uploads: Upload[] };
  await fetch(uploads[0]!.url, {
    method: "PUT",
    headers: uploads[0]!.headers,
    body: await testImage("jpg"),
  });
  const confirmed = (await (
    await api.post(`/hangouts/${created.id}/memories/confirm`, {
      memoryIds: [uploads[0]!.memoryId],
    })
  ).json()) as { confirmed: { id: string }[] };
  expect(confirmed.confirmed.map((m) => m.id)).toEqual([uploads[0]!.memoryId]);
  await stack.markPhotoReady(uploads[0]!.memoryId);
  const { url } = (await (await api.get(`/memories/${uploads[0]!.memoryId}`)).json()) as {
    url: string;
  };
  expect((await fetch(url)).status).toBe(200);

  expect((await api.delete(`/hangouts/${created.id}`)).status).toBe(204);
  expect((await api.get(`/hangouts/${created.id}`)).status).toBe(404);
  expect((await fetch(url)).status).toBe(404);
});
