import { describe, expect, test } from "bun:test";
import sharp from "sharp";
import { thumbHashToRGBA } from "thumbhash";
import { readImageHeader } from "../src/pipeline/image-header.ts";
import {
  PhotoRejected,
  type PhotoRejectReason,
  type ProcessedPhoto,
  processPhoto,
} from "../src/pipeline/index.ts";
import {
  animation,
  BLUE,
  cameraJpeg,
  containsGps,
  FRAME_COLOURS,
  indexOfBytes,
  png16,
  pngHeaderOnly,
  pngWithAlpha,
  RED,
  randomBytes,
  webpWithGps,
  withSegments,
} from "./images.fixture.ts";

const limits = { maxPixels: 50_000_000, timeoutMs: 30_000 };

async function pixelAt(bytes: Uint8Array, x: number, y: number) {
  const region = { left: x, top: y, width: 1, height: 1 };
  const data = await sharp(bytes).extract(region).removeAlpha().raw().toBuffer();
  return [...data];
}

function expectColour(actual: number[], expected: readonly number[]) {
  for (let c = 0; c < 3; c++) expect(Math.abs(actual[c]! - expected[c]!)).toBeLessThan(48);
}

async function rejection(promise: Promise<unknown>): Promise<PhotoRejected> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PhotoRejected);
  return error as PhotoRejected;
}

async function expectRejected(bytes: Uint8Array, reason: PhotoRejectReason, own = limits) {
  const error = await rejection(processPhoto(bytes, own));
  expect(error.reason).toBe(reason);
  expect(error.message.length).toBeGreaterThan(10);
  return error;
}

const everyOutput = (photo: ProcessedPhoto) => [photo.original, photo.preview, photo.thumbnail];

async function expectNoMetadata(photo: ProcessedPhoto) {
  for (const output of everyOutput(photo)) {
    expect(indexOfBytes(output.bytes, "Exif\0\0")).toBe(-1);
    expect(indexOfBytes(output.bytes, "http://ns.adobe.com/xap/")).toBe(-1);
    expect(containsGps(output.bytes)).toBe(false);
    const meta = await sharp(output.bytes).metadata();
    expect(meta.exif).toBeUndefined();
    expect(meta.xmp).toBeUndefined();
    expect(meta.iptc).toBeUndefined();
    expect(meta.orientation ?? 1).toBe(1);
  }
}

/** The variants decode to what the result declares: WebP, its size, within its bound. */
async function expectVariants(photo: ProcessedPhoto) {
  for (const [variant, bound] of [
    [photo.preview, 2048],
    [photo.thumbnail, 400],
  ] as const) {
    const meta = await sharp(variant.bytes).metadata();
    expect(variant.contentType).toBe("image/webp");
    expect(meta.format).toBe("webp");
    expect([meta.width, meta.height]).toEqual([variant.width, variant.height]);
    expect(Math.max(variant.width, variant.height)).toBeLessThanOrEqual(bound);
    expect(variant.width / variant.height).toBeCloseTo(photo.width / photo.height, 1);
  }
  const original = await sharp(photo.original.bytes).metadata();
  expect([original.width, original.height]).toEqual([photo.original.width, photo.original.height]);
}

describe("processPhoto", () => {
  test("a sideways camera JPEG comes out upright, without EXIF, XMP or GPS", async () => {
    const input = await cameraJpeg(1200, 800, 6);
    const meta = await sharp(input).metadata();
    expect(meta.orientation).toBe(6);
    expect(containsGps(input)).toBe(true);
    expect(indexOfBytes(input, "http://ns.adobe.com/xap/")).toBeGreaterThan(0);

    const photo = await processPhoto(input, limits);

    expect([photo.width, photo.height]).toEqual([800, 1200]);
    expect(photo.original).toMatchObject({ contentType: "image/jpeg", width: 800, height: 1200 });
    expect(photo.preview).toMatchObject({ width: 800, height: 1200 }); // never upscaled
    expect(photo.thumbnail).toMatchObject({ width: 267, height: 400 });
    await expectVariants(photo);
    await expectNoMetadata(photo);
    // the red block stored top-left is top-right once turned 90° clockwise
    for (const output of everyOutput(photo)) {
      expectColour(await pixelAt(output.bytes, output.width - 2, 1), RED);
      expectColour(await pixelAt(output.bytes, 1, 1), BLUE);
    }
    expect((await sharp(photo.original.bytes).metadata()).hasProfile).toBe(true);
  });

  test("an upright JPEG keeps its exact pixels and loses its metadata", async () => {
    const input = await cameraJpeg(1200, 800, 1);
    expect(containsGps(input)).toBe(true);

    const photo = await processPhoto(input, limits);

    expect([photo.width, photo.height]).toEqual([1200, 800]);
    expect(photo.original.bytes.length).toBeLessThan(input.length);
    const [before, after] = await Promise.all(
      [input, photo.original.bytes].map((b) => sharp(b).keepIccProfile().raw().toBuffer()),
    );
    expect(Buffer.compare(before!, after!)).toBe(0);
    expect((await sharp(photo.original.bytes).metadata()).hasProfile).toBe(true);
    await expectNoMetadata(photo);
  });

  test("a PNG with alpha stays lossless and keeps its alpha", async () => {
    const input = await pngWithAlpha(640, 480);
    expect(containsGps(input)).toBe(true);

    const photo = await processPhoto(input, limits);

    expect([photo.width, photo.height]).toEqual([640, 480]);
    expect(photo.original.contentType).toBe("image/png");
    const [before, after] = await Promise.all(
      [input, photo.original.bytes].map((b) => sharp(b).raw().toBuffer()),
    );
    expect(Buffer.compare(before!, after!)).toBe(0);
    expect((await sharp(photo.preview.bytes).metadata()).hasAlpha).toBe(true);
    await expectVariants(photo);
    await expectNoMetadata(photo);
  });

  test("a 16-bit PNG keeps 16 bits in its original", async () => {
    const photo = await processPhoto(await png16(64, 32), limits);
    expect((await sharp(photo.original.bytes).metadata()).depth).toBe("ushort");
  });

  test.each([true, false])("a WebP (lossless %p) keeps its mode", async (lossless) => {
    const input = await webpWithGps(900, 600, lossless);
    expect(containsGps(input)).toBe(true);

    const photo = await processPhoto(input, limits);

    expect([photo.width, photo.height]).toEqual([900, 600]);
    expect(photo.original.contentType).toBe("image/webp");
    expect(readImageHeader(photo.original.bytes)?.lossless).toBe(lossless);
    await expectVariants(photo);
    await expectNoMetadata(photo);
  });

  test("an animated GIF keeps its frames; the variants come from the first", async () => {
    const input = await animation(120, 90, "gif");
    expect((await sharp(input).metadata()).pages).toBe(3);

    const photo = await processPhoto(input, limits);

    expect([photo.width, photo.height]).toEqual([120, 90]);
    expect(photo.original).toMatchObject({ contentType: "image/gif", width: 120, height: 90 });
    const original = await sharp(photo.original.bytes).metadata();
    expect(original.format).toBe("gif");
    expect(original.pages).toBe(3);
    for (const [page, colour] of FRAME_COLOURS.entries()) {
      const frame = await sharp(photo.original.bytes, { page }).png().toBuffer();
      expectColour(await pixelAt(frame, 60, 45), colour);
    }
    expectColour(await pixelAt(photo.preview.bytes, 60, 45), RED);
    expectColour(await pixelAt(photo.thumbnail.bytes, 60, 45), RED);
    expect((await sharp(photo.preview.bytes).metadata()).pages ?? 1).toBe(1);
    await expectVariants(photo);
  });

  test("an animated WebP keeps its frames too", async () => {
    const photo = await processPhoto(await animation(80, 60, "webp"), limits);
    expect((await sharp(photo.original.bytes).metadata()).pages).toBe(3);
    expectColour(await pixelAt(photo.preview.bytes, 40, 30), RED);
  });

  test("a large photo is bounded: preview 2048, thumbnail 400", async () => {
    const input = await sharp({
      create: { width: 3000, height: 1000, channels: 3, background: "#888" },
    })
      .jpeg()
      .toBuffer();
    const photo = await processPhoto(input, limits);
    expect(photo.preview).toMatchObject({ width: 2048, height: 683 });
    expect(photo.thumbnail).toMatchObject({ width: 400, height: 133 });
    await expectVariants(photo);
  });

  test("the placeholder is a ThumbHash of the upright image", async () => {
    const photo = await processPhoto(await cameraJpeg(1200, 800, 6), limits);
    const { w, h, rgba } = thumbHashToRGBA(Buffer.from(photo.placeholder, "base64"));
    expect(rgba.length).toBe(w * h * 4);
    // ThumbHash keeps the aspect ratio only roughly; portrait, as the upright photo is
    expect(w).toBeLessThan(h);
    expect(Math.abs(w / h - 800 / 1200)).toBeLessThan(0.1);
  });
});

describe("processPhoto rejects", () => {
  test("a truncated JPEG as undecodable", async () => {
    const input = await cameraJpeg(1200, 800, 1);
    await expectRejected(input.subarray(0, input.length >> 1), "undecodable");
  });

  test("a PNG declaring 30,000 × 30,000 as too_large, before decoding", async () => {
    const started = performance.now();
    await expectRejected(pngHeaderOnly(30_000, 30_000), "too_large");
    expect(performance.now() - started).toBeLessThan(200);
  });

  test("an animation whose frames add up to too many pixels as too_large", async () => {
    const input = await animation(100, 100, "gif");
    await expectRejected(input, "too_large", { ...limits, maxPixels: 25_000 });
  });

  test.each([
    ["random bytes", () => randomBytes(8192)],
    [
      "a JPEG signature then garbage",
      () => withSegments(new Uint8Array([0xff, 0xd8]), [randomBytes(4096)]),
    ],
    [
      "an SVG",
      () =>
        new TextEncoder().encode(
          '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
        ),
    ],
    ["nothing", () => new Uint8Array(0)],
  ])("%s as undecodable", async (_, bytes) => {
    await expectRejected(bytes(), "undecodable");
  });

  test("a photo that takes longer than the limit as timeout", async () => {
    const noise = { type: "gaussian" as const, mean: 128, sigma: 40 };
    const input = await sharp({
      create: { width: 4000, height: 3000, channels: 3, noise, background: "#000" },
    })
      .jpeg()
      .toBuffer();
    await expectRejected(input, "timeout", { ...limits, timeoutMs: 5 });
  });
});
