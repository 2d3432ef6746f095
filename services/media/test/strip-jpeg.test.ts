import { describe, expect, test } from "bun:test";
import sharp from "sharp";
import { MalformedJpegError, stripJpegMetadata } from "../src/pipeline/index.ts";
import { jpegSegments } from "../src/pipeline/strip-jpeg.ts";
import {
  cameraJpeg,
  containsGps,
  indexOfBytes,
  jfifWithThumbnail,
  jpegSegment,
  pngWithAlpha,
  randomBytes,
  withSegments,
} from "./images.fixture.ts";

describe("stripJpegMetadata", () => {
  const markers = (bytes: Uint8Array) => [...jpegSegments(bytes)].map((s) => s.marker);
  const APP0 = 0xe0;
  const APP1 = 0xe1;
  const APP2 = 0xe2;
  const APP11 = 0xeb;
  const APP13 = 0xed;
  const APP14 = 0xee;
  const COM = 0xfe;

  test("drops APP1, APP13, COM, other APPn and trailing bytes; keeps JFIF, ICC and Adobe", async () => {
    const camera = await cameraJpeg(160, 120, 1); // APP1 Exif, APP1 XMP, APP2 ICC
    const input = withSegments(
      camera,
      [
        jfifWithThumbnail(),
        jpegSegment(APP13, "Photoshop 3.0\0 8BIM secret caption"),
        jpegSegment(COM, "a secret comment"),
        jpegSegment(APP11, "JP c2pa manifest"),
        jpegSegment(APP14, "Adobe\0\x64\0\0\0\0\x01"),
      ],
      new TextEncoder().encode("trailing secret video"),
    );
    expect(markers(input)).toEqual(expect.arrayContaining([APP0, APP1, APP2, APP11, APP13, COM]));

    const stripped = stripJpegMetadata(input);

    const kept = markers(stripped);
    for (const gone of [APP1, APP11, APP13, COM]) expect(kept).not.toContain(gone);
    expect(kept).toEqual(expect.arrayContaining([APP0, APP2, APP14]));
    for (const secret of ["secret", "Exif\0\0", "http://ns.adobe.com/xap/"]) {
      expect(indexOfBytes(stripped, secret)).toBe(-1);
    }
    expect(containsGps(stripped)).toBe(false);
    const jfif = [...jpegSegments(stripped)].find((s) => s.marker === APP0)!;
    expect(jfif.end - jfif.start).toBe(18); // embedded JFIF thumbnail dropped
    const [before, after] = await Promise.all(
      [input, stripped].map((b) => sharp(b).keepIccProfile().raw().toBuffer()),
    );
    expect(Buffer.compare(before!, after!)).toBe(0);
  });

  test("walks progressive JPEGs scan by scan", async () => {
    const input = await sharp(await cameraJpeg(320, 240, 1))
      .keepMetadata()
      .jpeg({ progressive: true })
      .toBuffer();
    const stripped = stripJpegMetadata(input);
    expect(markers(stripped).filter((m) => m === 0xda).length).toBeGreaterThan(1);
    expect(containsGps(stripped)).toBe(false);
    expect(
      Buffer.compare(await sharp(input).raw().toBuffer(), await sharp(stripped).raw().toBuffer()),
    ).toBe(0);
  });

  test.each([
    ["a PNG", async () => pngWithAlpha(10, 10)],
    ["random bytes", async () => randomBytes(1024)],
    [
      "a truncated JPEG",
      async () => {
        const whole = await cameraJpeg(200, 100, 1);
        return whole.subarray(0, whole.length - 100);
      },
    ],
  ])("throws on %s", async (_, bytes) => {
    const input = await bytes();
    expect(() => stripJpegMetadata(input)).toThrow(MalformedJpegError);
  });
});
