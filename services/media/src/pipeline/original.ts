import sharp, { type Sharp, type SharpOptions } from "sharp";
import type { ImageHeader } from "./image-header.ts";
import { PhotoRejected, UNDECODABLE_MESSAGE } from "./photo-rejected.ts";
import { MalformedJpegError, stripJpegMetadata } from "./strip-jpeg.ts";

/** An encoded image: the metadata-free original or a variant. */
export interface EncodedImage {
  bytes: Uint8Array;
  contentType: string;
  width: number;
  height: number;
}

export interface OriginalSource {
  bytes: Uint8Array;
  header: ImageHeader;
  /** EXIF orientation, 1 when absent. */
  orientation: number;
  animated: boolean;
  /** 16 bits per sample (PNG): kept so that "lossless" stays true. */
  sixteenBit: boolean;
  /** Upright dimensions (of one frame when animated). */
  width: number;
  height: number;
  /** Options for every sharp instance reading the upload (limits, failOn). */
  input: SharpOptions;
  timeoutSeconds: number;
}

const ROTATED_JPEG_QUALITY = 92;
const LOSSY_WEBP_QUALITY = 90;

/**
 * What members download (decision 0018): the upload without its metadata. An upright JPEG keeps
 * its exact bytes minus metadata segments; everything else is re-encoded by sharp, which writes
 * no EXIF, XMP or IPTC unless asked to. The ICC profile is kept (no colour conversion), so the
 * copy looks like the upload.
 */
export async function metadataFreeOriginal(source: OriginalSource): Promise<EncodedImage> {
  const { header, width, height } = source;
  if (header.format === "jpeg" && source.orientation === 1) {
    return { bytes: strippedJpeg(source.bytes), contentType: header.contentType, width, height };
  }
  const { data } = await encoder(source).toBuffer({ resolveWithObject: true });
  return { bytes: new Uint8Array(data), contentType: header.contentType, width, height };
}

function strippedJpeg(bytes: Uint8Array): Uint8Array {
  try {
    return stripJpegMetadata(bytes);
  } catch (error) {
    if (error instanceof MalformedJpegError) {
      throw new PhotoRejected("undecodable", UNDECODABLE_MESSAGE, { cause: error });
    }
    throw error;
  }
}

function encoder(source: OriginalSource): Sharp {
  const { header, animated } = source;
  // every frame for GIF and animated WebP; libvips cannot rotate multi-page images, and an
  // animation with an EXIF orientation is rare enough to keep as stored
  const image = sharp(source.bytes, { ...source.input, pages: animated ? -1 : 1 })
    .timeout({ seconds: source.timeoutSeconds })
    .keepIccProfile();
  if (!animated) image.autoOrient();
  switch (header.format) {
    case "jpeg":
      return image.jpeg({ quality: ROTATED_JPEG_QUALITY });
    case "png":
      if (source.sixteenBit) image.toColourspace("rgb16");
      return image.png();
    case "webp":
      return image.webp(header.lossless ? { lossless: true } : { quality: LOSSY_WEBP_QUALITY });
    case "gif":
      return image.gif();
  }
}
