/**
 * Issue 19 end to end: photos uploaded through hangout's API go through quarantine, the real
 * media worker (a process, scanning with the clamd of scripts/ensure-clamav.sh) and file, and
 * members get upright, metadata-free copies (docs/decisions/0018-photo-pipeline.md). The worker
 * is started here rather than by the harness so that a test can kill it and start another.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createPool } from "@hangout/platform/db";
import { freePort } from "@hangout/platform/testing/ports";
import type { ServiceProcess } from "@hangout/platform/testing/service-process";
import { cleanup, startMediaPeer } from "@hangout/platform/testing/stack-peers";
import {
  CLAMD_SOCKET,
  type Stack,
  startStack,
  type TestUser,
} from "../services/hangout/test/harness.ts";
import {
  animation,
  BLUE,
  cameraJpeg,
  pngWithAlpha,
  RED,
  randomBytes,
  webpWithGps,
} from "../services/media/test/images.fixture.ts";
import {
  declaredPng,
  download,
  expectMetadataFree,
  getMemory,
  keysUnder,
  type Memory,
  objectsOf,
  photo,
  settled,
  sharp,
  uploadPhotos,
  urlsOf,
  variantKeys,
} from "./photos.fixture.ts";

let stack: Stack;
let fileDb: ReturnType<typeof createPool>;
let owner: TestUser;
let friend: TestUser;
let hangoutId: string;
let media: ServiceProcess;
const workers = cleanup();

const startWorker = () =>
  startMediaPeer(
    stack.ca,
    freePort(),
    {
      file: stack.file,
      exchange: stack.hangout.config.EVENTS_EXCHANGE,
      env: { CLAMD_SOCKET },
    },
    workers,
  );

beforeAll(async () => {
  stack = await startStack();
  fileDb = createPool(stack.file.database.url, { connectionLimit: 2 });
  media = await startWorker();
  [owner, friend] = [await stack.user("Owner"), await stack.user("Friend")];
  hangoutId = await newHangout("Photo day");
}, 120_000);
afterAll(async () => {
  await workers.run();
  await fileDb?.end();
  await stack?.stop();
});

const api = (user: TestUser) => stack.as(user);

/** A hangout of the owner's with the friend in it. */
async function newHangout(title: string) {
  const response = await api(owner).post("/hangouts", {
    title,
    startsAt: "2031-05-01T10:00:00Z",
  });
  expect(response.status).toBe(201);
  const { id } = (await response.json()) as { id: string };
  const invited = await api(owner).post(`/hangouts/${id}/invites`, { emails: [friend.email] });
  expect(invited.status).toBe(200);
  return id;
}

const fileIdOf = async (memoryId: string) => {
  const [rows] = await stack.db.query("SELECT file_id FROM memories WHERE id = ?", [memoryId]);
  return (rows as { file_id: string }[])[0]!.file_id;
};

async function pixel(bytes: Uint8Array, x: number, y: number) {
  const region = { left: x, top: y, width: 1, height: 1 };
  return [...(await sharp(bytes).extract(region).removeAlpha().raw().toBuffer())];
}
const near = (actual: number[], colour: readonly number[]) =>
  actual.every((value, c) => Math.abs(value - colour[c]!) < 48);

describe("photos, end to end", () => {
  test("JPEG (orientation 6, GPS), PNG, WebP and animated GIF become ready, upright and metadata-free", async () => {
    const photos = [
      photo("camera.jpg", await cameraJpeg(1200, 800, 6)),
      photo("alpha.png", await pngWithAlpha(640, 480)),
      photo("street.webp", await webpWithGps(900, 600, false)),
      photo("party.gif", await animation(480, 320, "gif")),
    ];
    const upright = [
      { width: 800, height: 1200, format: "jpeg" },
      { width: 640, height: 480, format: "png" },
      { width: 900, height: 600, format: "webp" },
      { width: 480, height: 320, format: "gif" },
    ];
    const { ids } = await uploadPhotos(api(friend), hangoutId, photos);

    for (const [i, id] of ids.entries()) {
      const want = upright[i]!;
      const memory = await settled(api(owner), id);
      expect(memory).toMatchObject({
        filename: photos[i]!.filename,
        status: "ready",
        failureReason: null,
        width: want.width,
        height: want.height,
      });
      expect(typeof memory.placeholder).toBe("string");
      expect(memory.placeholder!.length).toBeGreaterThan(0);

      const original = await download(memory.url!);
      const meta = await sharp(original).metadata();
      expect([meta.format as string, meta.width, meta.height]).toEqual([
        want.format,
        want.width,
        want.height,
      ]);
      expect(meta.orientation ?? 1).toBe(1);
      await expectMetadataFree(original, `${memory.filename} original`);
      if (want.format === "gif") expect(meta.pages).toBe(3);

      for (const [variant, bound] of [
        [memory.preview!, 2048],
        [memory.thumbnail!, 400],
      ] as const) {
        expect(variant.contentType).toBe("image/webp");
        const bytes = await download(variant.url);
        const decoded = await sharp(bytes).metadata();
        expect([decoded.format as string, decoded.width, decoded.height]).toEqual([
          "webp",
          variant.width,
          variant.height,
        ]);
        expect(Math.max(variant.width, variant.height)).toBeLessThanOrEqual(bound);
        expect(Math.abs(variant.width / variant.height - want.width / want.height)).toBeLessThan(
          0.02,
        );
        await expectMetadataFree(bytes, `${memory.filename} ${bound}`);
      }
      // Every test photo is larger than a thumbnail: it is scaled to the bound exactly.
      expect(Math.max(memory.thumbnail!.width, memory.thumbnail!.height)).toBe(400);
    }

    // Orientation 6 turns the stored top-left (red) corner to the top right.
    const camera = await getMemory(api(friend), ids[0]!);
    const preview = await download(camera.preview!.url);
    expect(near(await pixel(preview, camera.preview!.width - 20, 20), RED)).toBe(true);
    expect(near(await pixel(preview, 20, 20), BLUE)).toBe(true);
  }, 60_000);

  test("a truncated JPEG, a 30,000 × 30,000 PNG and undecodable bytes fail; the worker goes on", async () => {
    const whole = await cameraJpeg(1200, 800, 1);
    const bad = [
      photo("cut.jpg", whole.subarray(0, whole.length >> 1)),
      photo("bomb.png", declaredPng(30_000, 30_000)),
      // JPEG magic bytes, so file's confirm accepts it; nothing after them decodes.
      photo("noise.jpg", new Uint8Array([0xff, 0xd8, 0xff, 0xe0, ...randomBytes(8192)])),
    ];
    const { ids } = await uploadPhotos(api(friend), hangoutId, bad);
    const outcomes: Memory[] = [];
    for (const id of ids) outcomes.push(await settled(api(owner), id));
    expect(outcomes.map((m) => [m.filename, m.status, m.failureReason])).toEqual([
      ["cut.jpg", "failed", "undecodable"],
      ["bomb.png", "failed", "too_large"],
      ["noise.jpg", "failed", "undecodable"],
    ]);
    for (const memory of outcomes) {
      expect(urlsOf(memory)).toEqual([null, null, null]);
      expect([memory.width, memory.height, memory.placeholder]).toEqual([null, null, null]);
    }

    const { ids: after } = await uploadPhotos(api(friend), hangoutId, [
      photo("after.png", await pngWithAlpha(500, 400)),
    ]);
    expect(await settled(api(owner), after[0]!)).toMatchObject({ status: "ready", width: 500 });
  }, 60_000);

  test("a worker killed mid-job: the job is redelivered to the next one and ends once", async () => {
    const big = await sharp({
      create: {
        width: 6000,
        height: 4000,
        channels: 3,
        noise: { type: "gaussian", mean: 128, sigma: 20 },
        background: "#000",
      },
    })
      .withMetadata({ orientation: 6 })
      .jpeg({ quality: 80 })
      .toBuffer();
    const { ids } = await uploadPhotos(api(friend), hangoutId, [photo("big.jpg", big)]);
    const memoryId = ids[0]!;
    const fileId = await fileIdOf(memoryId);

    // file's relay published file.uploaded: the idle worker takes it at once.
    const published = async () => {
      const [rows] = await fileDb.query(
        "SELECT COUNT(*) AS n FROM outbox WHERE type = 'dev.hangout-planner.file.uploaded.v1' AND payload LIKE ? AND published_at IS NOT NULL",
        [`%${fileId}%`],
      );
      return Number((rows as { n: number }[])[0]!.n) > 0;
    };
    const deadline = Date.now() + 10_000;
    while (!(await published())) {
      if (Date.now() > deadline) throw new Error("file.uploaded was not published");
      await Bun.sleep(20);
    }
    await Bun.sleep(200);
    media.killNow();
    expect(await media.exited).toBe("SIGKILL");

    // Killed before it reported: the photo is still in quarantine and processing.
    const [rows] = await fileDb.query("SELECT status FROM files WHERE id = ?", [fileId]);
    expect((rows as { status: string }[])[0]?.status).toBe("PROCESSING");
    expect((await getMemory(api(owner), memoryId)).status).toBe("processing");

    media = await startWorker();
    const memory = await settled(api(owner), memoryId);
    expect(memory).toMatchObject({ status: "ready", width: 4000, height: 6000 });

    // Long enough for a second outcome to have arrived, had there been one.
    await Bun.sleep(1000);
    const [outbox] = await stack.db.query(
      "SELECT COUNT(*) AS n FROM outbox WHERE type = 'dev.hangout-planner.memory.processed.v1' AND payload LIKE ?",
      [`%${memoryId}%`],
    );
    expect(Number((outbox as { n: number }[])[0]!.n)).toBe(1);
    expect(await objectsOf(stack.file, fileId)).toEqual({
      media: variantKeys(fileId),
      incoming: [],
    });
  }, 60_000);

  test("deleting a memory deletes its variants; deleting a hangout deletes all of its memories'", async () => {
    const id = await newHangout("Short-lived");
    const { ids } = await uploadPhotos(api(friend), id, [
      photo("one.png", await pngWithAlpha(600, 400)),
      photo("two.webp", await webpWithGps(600, 400, true)),
      photo("three.jpg", await cameraJpeg(600, 400, 1)),
    ]);
    const memories: Memory[] = [];
    for (const memoryId of ids) memories.push(await settled(api(owner), memoryId));
    expect(memories.map((m) => m.status)).toEqual(["ready", "ready", "ready"]);
    const fileIds = await Promise.all(ids.map(fileIdOf));
    for (const fileId of fileIds) {
      expect(await keysUnder(stack.file, `media/${fileId}/`)).toEqual(variantKeys(fileId));
    }

    const gone = async (memory: Memory, fileId: string) => {
      expect(await keysUnder(stack.file, `media/${fileId}/`)).toEqual([]);
      for (const url of urlsOf(memory)) expect((await fetch(url!)).status).toBe(404);
    };
    expect((await api(friend).delete(`/memories/${ids[0]}`)).status).toBe(204);
    await gone(memories[0]!, fileIds[0]!);
    expect(await keysUnder(stack.file, `media/${fileIds[1]}/`)).toEqual(variantKeys(fileIds[1]!));

    expect((await api(owner).delete(`/hangouts/${id}`)).status).toBe(204);
    await gone(memories[1]!, fileIds[1]!);
    await gone(memories[2]!, fileIds[2]!);
  }, 60_000);
});
