import { jpegSegments } from "./strip-jpeg.ts";

/**
 * What the first bytes of an upload declare, read without any image library: which of the four
 * accepted formats it is and how many pixels it claims. Lets the pixel limit reject a file before
 * libvips allocates anything, even when what follows the header is garbage, and keeps every other
 * format (SVG, TIFF, HEIF…) away from libvips' loaders altogether (decision 0018).
 */
export type PhotoFormat = "jpeg" | "png" | "gif" | "webp";

export interface ImageHeader {
  format: PhotoFormat;
  contentType: `image/${PhotoFormat}`;
  /** As stored, before any EXIF orientation; for GIF the logical screen. */
  width: number;
  height: number;
  /** WebP only: the (first) frame is VP8L, lossless. */
  lossless: boolean;
}

const u16be = (b: Uint8Array, at: number) => (b[at]! << 8) | b[at + 1]!;
const u16le = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8);
const u24le = (b: Uint8Array, at: number) => u16le(b, at) | (b[at + 2]! << 16);
const u32le = (b: Uint8Array, at: number) => (u24le(b, at) | (b[at + 3]! << 24)) >>> 0;
const u32be = (b: Uint8Array, at: number) => ((u16be(b, at) << 16) | u16be(b, at + 2)) >>> 0;

function ascii(b: Uint8Array, at: number, text: string): boolean {
  if (at + text.length > b.length) return false;
  for (let i = 0; i < text.length; i++) if (b[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

const header = (format: PhotoFormat, width: number, height: number, lossless = false) =>
  ({ format, contentType: `image/${format}`, width, height, lossless }) satisfies ImageHeader;

/** The header, or undefined when the bytes are not a JPEG, PNG, GIF or WebP we can size. */
export function readImageHeader(bytes: Uint8Array): ImageHeader | undefined {
  if (ascii(bytes, 0, "\x89PNG\r\n\x1a\n")) {
    if (bytes.length < 24 || !ascii(bytes, 12, "IHDR")) return undefined;
    return header("png", u32be(bytes, 16), u32be(bytes, 20));
  }
  if (ascii(bytes, 0, "GIF87a") || ascii(bytes, 0, "GIF89a")) {
    if (bytes.length < 10) return undefined;
    return header("gif", u16le(bytes, 6), u16le(bytes, 8));
  }
  if (ascii(bytes, 0, "RIFF") && ascii(bytes, 8, "WEBP")) return webpHeader(bytes);
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return jpegHeader(bytes);
  return undefined;
}

/** SOFn markers: 0xC0–0xCF except DHT (C4), JPG (C8) and DAC (CC). */
const isStartOfFrame = (m: number) =>
  m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

function jpegHeader(bytes: Uint8Array): ImageHeader | undefined {
  try {
    for (const { marker, start, end } of jpegSegments(bytes)) {
      if (isStartOfFrame(marker) && end - start >= 9) {
        return header("jpeg", u16be(bytes, start + 7), u16be(bytes, start + 5));
      }
      if (marker === 0xda) return undefined; // a scan before any frame header
    }
  } catch {
    // a header that does not parse declares nothing
  }
  return undefined;
}

interface RiffChunk {
  fourcc: string;
  data: number;
  size: number;
}

function* riffChunks(bytes: Uint8Array, from: number, to: number): Generator<RiffChunk> {
  let pos = from;
  while (pos + 8 <= to) {
    const fourcc = String.fromCharCode(...bytes.subarray(pos, pos + 4));
    const size = u32le(bytes, pos + 4);
    yield { fourcc, data: pos + 8, size };
    pos += 8 + size + (size & 1);
  }
}

/** Whether the first VP8/VP8L bitstream, at top level or in the first ANMF frame, is VP8L. */
function firstFrameLossless(bytes: Uint8Array, from: number, to: number): boolean | undefined {
  for (const chunk of riffChunks(bytes, from, to)) {
    if (chunk.fourcc === "VP8L") return true;
    if (chunk.fourcc === "VP8 ") return false;
    if (chunk.fourcc === "ANMF") {
      // an ANMF frame: 16 bytes of position, size and timing, then its own chunks
      const end = Math.min(chunk.data + chunk.size, to);
      return firstFrameLossless(bytes, chunk.data + 16, end);
    }
  }
  return undefined;
}

function webpHeader(bytes: Uint8Array): ImageHeader | undefined {
  const first = riffChunks(bytes, 12, bytes.length).next();
  if (first.done) return undefined;
  const { fourcc, data } = first.value;
  if (data + 10 > bytes.length) return undefined;
  if (fourcc === "VP8 ") {
    if (bytes[data + 3] !== 0x9d || bytes[data + 4] !== 0x01 || bytes[data + 5] !== 0x2a) {
      return undefined;
    }
    return header("webp", u16le(bytes, data + 6) & 0x3fff, u16le(bytes, data + 8) & 0x3fff);
  }
  if (fourcc === "VP8L") {
    if (bytes[data] !== 0x2f) return undefined;
    const bits = u32le(bytes, data + 1);
    return header("webp", (bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1, true);
  }
  if (fourcc === "VP8X") {
    const lossless = firstFrameLossless(bytes, 12, bytes.length) ?? false;
    return header("webp", u24le(bytes, data + 4) + 1, u24le(bytes, data + 7) + 1, lossless);
  }
  return undefined;
}
