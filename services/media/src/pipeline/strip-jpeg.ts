/**
 * Drops metadata from a JPEG without re-encoding it (decision 0018, "The metadata-free original"):
 * the pixels stay bit-for-bit what the camera wrote, only the marker segments that carry metadata
 * go. Pure over bytes; never decodes the image.
 */

export class MalformedJpegError extends Error {
  override readonly name = "MalformedJpegError";
}

/** Marker codes (the byte after 0xFF). */
const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const APP0 = 0xe0;
const APP2 = 0xe2;
const APP14 = 0xee;
const APP15 = 0xef;
const COM = 0xfe;
/** Pseudo marker for the entropy-coded bytes after a SOS header; 0x00 is never a real marker. */
export const ENTROPY_CODED = 0x00;

export interface JpegSegment {
  /** The byte after 0xFF, or ENTROPY_CODED. */
  marker: number;
  /** Offset of the segment's 0xFF (of its first byte for entropy-coded data). */
  start: number;
  /** Offset just past the segment. */
  end: number;
}

const isStandalone = (marker: number) => marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7);

/**
 * Every segment from SOI to EOI in stream order, with the entropy-coded data after each SOS header
 * as one ENTROPY_CODED segment (progressive files have several scans, with tables between them).
 * Anything after EOI is not part of the image and is not yielded. Lazy: reading only the header
 * segments never touches the entropy-coded data.
 */
export function* jpegSegments(bytes: Uint8Array): Generator<JpegSegment> {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== SOI) {
    throw new MalformedJpegError("not a JPEG: no SOI marker");
  }
  yield { marker: SOI, start: 0, end: 2 };
  let pos = 2;
  let sawScan = false;
  for (;;) {
    if (bytes[pos] !== 0xff) throw new MalformedJpegError(`expected a marker at offset ${pos}`);
    const start = pos;
    while (bytes[pos] === 0xff) pos++; // fill bytes may precede a marker
    const marker = bytes[pos++];
    if (marker === undefined) throw new MalformedJpegError("stream ends inside a marker");
    if (marker === EOI) {
      if (!sawScan) throw new MalformedJpegError("EOI before any scan");
      yield { marker, start, end: pos };
      return;
    }
    if (marker === SOI || marker === ENTROPY_CODED) {
      throw new MalformedJpegError(`unexpected marker 0x${marker.toString(16)} at offset ${start}`);
    }
    if (isStandalone(marker)) {
      yield { marker, start, end: pos };
      continue;
    }
    if (pos + 2 > bytes.length) throw new MalformedJpegError("stream ends inside a segment length");
    const length = (bytes[pos]! << 8) | bytes[pos + 1]!;
    const end = pos + length;
    if (length < 2 || end > bytes.length) {
      throw new MalformedJpegError(`segment 0x${marker.toString(16)} at offset ${start} overruns`);
    }
    yield { marker, start, end };
    pos = end;
    if (marker === SOS) {
      sawScan = true;
      pos = entropyCodedEnd(bytes, pos);
      yield { marker: ENTROPY_CODED, start: end, end: pos };
    }
  }
}

/** Offset of the first marker after entropy-coded data: 0xFF not followed by 0x00 or RSTn. */
function entropyCodedEnd(bytes: Uint8Array, from: number): number {
  let pos = from;
  for (;;) {
    pos = bytes.indexOf(0xff, pos);
    if (pos === -1 || pos + 1 >= bytes.length) {
      throw new MalformedJpegError("stream ends inside entropy-coded data (truncated)");
    }
    const next = bytes[pos + 1]!;
    if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) pos += 2;
    else if (next === 0xff) pos += 1;
    else return pos;
  }
}

function startsWith(bytes: Uint8Array, at: number, ascii: string): boolean {
  if (at + ascii.length > bytes.length) return false;
  for (let i = 0; i < ascii.length; i++) if (bytes[at + i] !== ascii.charCodeAt(i)) return false;
  return true;
}

/** APP0 JFIF segment up to Ythumbnail: marker (2), length (2), then 14 bytes of header. */
const JFIF_HEADER_END = 18;

/**
 * The segment as it goes into the stripped file, or undefined to drop it. Kept: JFIF (APP0, minus
 * any embedded thumbnail, which can show a picture from before an edit), ICC profiles (APP2,
 * colour), Adobe (APP14, tells how to read CMYK/YCCK) and every non-APP segment but COM.
 */
function kept(bytes: Uint8Array, segment: JpegSegment): Uint8Array | undefined {
  const { marker, start, end } = segment;
  const payload = start + 4;
  if (marker === COM) return undefined;
  if (marker < APP0 || marker > APP15) return bytes.subarray(start, end);
  if (marker === APP0 && startsWith(bytes, payload, "JFIF\0")) {
    if (end - start <= JFIF_HEADER_END) return bytes.subarray(start, end);
    const header = bytes.slice(start, start + JFIF_HEADER_END);
    header[2] = 0; // the length field counts itself, not the marker
    header[3] = JFIF_HEADER_END - 2;
    header[16] = 0; // Xthumbnail
    header[17] = 0; // Ythumbnail
    return header;
  }
  if (marker === APP2 && startsWith(bytes, payload, "ICC_PROFILE\0")) {
    return bytes.subarray(start, end);
  }
  if (marker === APP14 && startsWith(bytes, payload, "Adobe")) return bytes.subarray(start, end);
  return undefined;
}

/**
 * The same JPEG without Exif and XMP (APP1), IPTC (APP13), comments (COM), any other APPn but
 * JFIF/ICC/Adobe, and anything appended after EOI (MPF secondary images, motion-photo videos).
 * Entropy-coded data is copied verbatim, so decoding gives the same pixels. Throws
 * MalformedJpegError when the stream does not parse (the caller treats the file as undecodable).
 */
export function stripJpegMetadata(bytes: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  let length = 0;
  for (const segment of jpegSegments(bytes)) {
    const part = kept(bytes, segment);
    if (part === undefined) continue;
    parts.push(part);
    length += part.length;
  }
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
