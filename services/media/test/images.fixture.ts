/**
 * Test images for the photo pipeline, generated with sharp at test time (no binary fixtures).
 * Each photo carries a GPS position twice, as EXIF rationals and as XMP text, so a test can prove
 * that neither survives.
 */
import sharp from "sharp";

export const GPS_EXIF = {
  GPSLatitudeRef: "N",
  GPSLatitude: "48/1 51/1 2410/100",
  GPSLongitudeRef: "E",
  GPSLongitude: "2/1 21/1 720/100",
};
/** The latitude as XMP writes it: text no re-encoder would produce by chance. */
export const GPS_XMP_TEXT = "48,51.40167N";
const XMP = `<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="${GPS_XMP_TEXT}"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`;

export const RED = [220, 20, 20] as const;
export const BLUE = [20, 20, 220] as const;

/** The latitude's three EXIF rationals (48/1 51/1 2410/100), in either byte order. */
function gpsLatitudeBytes(littleEndian: boolean): Uint8Array {
  const view = new DataView(new ArrayBuffer(24));
  [48, 1, 51, 1, 2410, 100].forEach((n, i) => {
    view.setUint32(i * 4, n, littleEndian);
  });
  return new Uint8Array(view.buffer);
}

export const indexOfBytes = (haystack: Uint8Array, needle: Uint8Array | string) =>
  Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength).indexOf(needle);

/** Whether the bytes still hold the GPS position, as EXIF rationals or as XMP text. */
export const containsGps = (bytes: Uint8Array) =>
  indexOfBytes(bytes, gpsLatitudeBytes(true)) >= 0 ||
  indexOfBytes(bytes, gpsLatitudeBytes(false)) >= 0 ||
  indexOfBytes(bytes, GPS_XMP_TEXT) >= 0;

/**
 * RGB pixels, blue with a red block in the stored top-left corner, plus fine noise so that the
 * encoders have real work. After orientation 6 (90° clockwise) the red block is top-right.
 */
export async function markedPixels(width: number, height: number) {
  const noise = { type: "gaussian" as const, mean: 0, sigma: 12 };
  const grain = await sharp({ create: { width, height, channels: 3, noise, background: "#000" } })
    .raw()
    .toBuffer();
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const colour = x < width / 4 && y < height / 4 ? RED : BLUE;
      for (let c = 0; c < 3; c++) pixels[i + c] = colour[c]! + (grain[i + c]! >> 3);
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } });
}

/** A JPEG with EXIF (orientation and GPS), XMP with the GPS too, and a Display P3 ICC profile. */
export async function cameraJpeg(width: number, height: number, orientation: number) {
  const image = await markedPixels(width, height);
  return image
    .withMetadata({ orientation })
    .withExifMerge({ IFD0: { Make: "Hangout Test Camera" }, IFD3: GPS_EXIF })
    .withXmp(XMP)
    .withIccProfile("p3")
    .jpeg({ quality: 90 })
    .toBuffer();
}

/** A PNG with a half-transparent alpha channel and EXIF GPS (PNG eXIf). */
export async function pngWithAlpha(width: number, height: number) {
  const background = { r: 10, g: 200, b: 10, alpha: 0.5 };
  const { data } = await sharp({ create: { width, height, channels: 4, background } })
    .raw()
    .toBuffer({ resolveWithObject: true });
  for (let i = 3; i < data.length; i += 4 * 7) data[i] = 255; // vary the alpha a little
  return sharp(data, { raw: { width, height, channels: 4 } })
    .withExif({ IFD3: GPS_EXIF })
    .png()
    .toBuffer();
}

/** A 16-bit RGB PNG. */
export const png16 = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: "#336699" } })
    .toColourspace("rgb16")
    .png()
    .toBuffer();

/** A WebP with EXIF and XMP (both carrying GPS), lossy or lossless. */
export async function webpWithGps(width: number, height: number, lossless: boolean) {
  const image = await markedPixels(width, height);
  return image
    .withExif({ IFD3: GPS_EXIF })
    .withXmp(XMP)
    .webp(lossless ? { lossless: true } : { quality: 75 })
    .toBuffer();
}

export const FRAME_COLOURS = [RED, [20, 200, 20], BLUE] as const;

/** An animated image with one solid frame per colour. */
export function animation(
  width: number,
  height: number,
  format: "gif" | "webp",
  colours: readonly (readonly number[])[] = FRAME_COLOURS,
) {
  const frame = width * height * 4;
  const pixels = Buffer.alloc(frame * colours.length);
  colours.forEach(([r, g, b], page) => {
    for (let i = 0; i < width * height; i++) pixels.set([r!, g!, b!, 255], page * frame + i * 4);
  });
  const delay = colours.map(() => 150);
  const raw = { width, height: height * colours.length, channels: 4 as const, pageHeight: height };
  const image = sharp(pixels, { raw });
  return (
    format === "gif" ? image.gif({ delay, loop: 0 }) : image.webp({ delay, loop: 0 })
  ).toBuffer();
}

function crc32(bytes: Uint8Array): number {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

/** A PNG signature and a valid IHDR (correct CRC) declaring width × height, then garbage. */
export function pngHeaderOnly(width: number, height: number): Uint8Array {
  const chunk = Buffer.alloc(4 + 4 + 13 + 4);
  chunk.writeUInt32BE(13, 0);
  chunk.write("IHDR", 4, "latin1");
  chunk.writeUInt32BE(width, 8);
  chunk.writeUInt32BE(height, 12);
  chunk.set([8, 6, 0, 0, 0], 16); // 8-bit RGBA, deflate, adaptive filter, not interlaced
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 21)), 21);
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  return Buffer.concat([Buffer.from(signature), chunk, randomBytes(4096)]);
}

export const randomBytes = (length: number) => crypto.getRandomValues(new Uint8Array(length));

/** A JPEG marker segment: 0xFF, marker, big-endian length (counting itself), payload. */
export function jpegSegment(marker: number, payload: Uint8Array | string): Uint8Array {
  const body = typeof payload === "string" ? Buffer.from(payload, "latin1") : payload;
  const segment = Buffer.alloc(4 + body.length);
  segment[0] = 0xff;
  segment[1] = marker;
  segment.writeUInt16BE(body.length + 2, 2);
  segment.set(body, 4);
  return segment;
}

/** The JPEG with segments inserted right after SOI, and optionally bytes appended after EOI. */
export function withSegments(jpeg: Uint8Array, segments: Uint8Array[], trailer?: Uint8Array) {
  const parts = [jpeg.subarray(0, 2), ...segments, jpeg.subarray(2)];
  return new Uint8Array(Buffer.concat(trailer ? [...parts, trailer] : parts));
}

/** A JFIF APP0 segment with a 2 × 1 embedded RGB thumbnail. */
export const jfifWithThumbnail = () =>
  jpegSegment(
    0xe0,
    Buffer.from(
      [..."JFIF\0"]
        .map((c) => c.charCodeAt(0))
        .concat([1, 2, 0, 0, 1, 0, 1, 2, 1, 255, 0, 0, 0, 255, 0]),
    ),
  );
