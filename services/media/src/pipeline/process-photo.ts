import sharp, { type ResizeOptions, type Sharp, type SharpOptions } from "sharp";
import { rgbaToThumbHash } from "thumbhash";
import { readImageHeader } from "./image-header.ts";
import { type EncodedImage, metadataFreeOriginal } from "./original.ts";
import {
  PhotoRejected,
  rejectionFrom,
  timeoutMessage,
  tooLargeMessage,
  UNDECODABLE_MESSAGE,
} from "./photo-rejected.ts";

// Decoded untrusted images must not stay in memory between jobs (decision 0018).
sharp.cache(false);

export interface PhotoLimits {
  /** Width × height (× frames for an animation) above which a photo is `too_large`. */
  maxPixels: number;
  /** Wall-clock budget for one photo, after which it is `timeout`. */
  timeoutMs: number;
}

export interface WebpVariant extends EncodedImage {
  contentType: "image/webp";
}

export interface ProcessedPhoto {
  /** Upright (after EXIF orientation); of the first frame for an animation. */
  width: number;
  height: number;
  /** ThumbHash of the upright image, base64. */
  placeholder: string;
  original: EncodedImage;
  preview: WebpVariant;
  thumbnail: WebpVariant;
}

export const PREVIEW_MAX_SIDE = 2048;
export const THUMBNAIL_MAX_SIDE = 400;
/** ThumbHash encodes images of at most 100 × 100. */
const PLACEHOLDER_MAX_SIDE = 100;
const PREVIEW_QUALITY = 80;
const THUMBNAIL_QUALITY = 75;

/**
 * Turns an upload into what decision 0018 stores: the metadata-free original, an upright WebP
 * preview and thumbnail, and a ThumbHash placeholder. Pure over bytes. Throws PhotoRejected.
 *
 * The time limit races the work against a timer. libvips work already started cannot be cancelled
 * from JavaScript: when the timer wins, steps not yet started are skipped and each running sharp
 * pipeline stops at its own whole-second `timeout`, but until then it keeps a core busy. The
 * caller bounds how many photos run at once (MEDIA_CONCURRENCY), which bounds that leftover work.
 */
export async function processPhoto(
  bytes: Uint8Array,
  limits: PhotoLimits,
): Promise<ProcessedPhoto> {
  const expired = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      expired.abort();
      reject(new PhotoRejected("timeout", timeoutMessage(limits.timeoutMs)));
    }, limits.timeoutMs);
  });
  try {
    return await Promise.race([unbounded(bytes, limits, expired.signal), deadline]);
  } catch (error) {
    throw rejectionFrom(error, limits);
  } finally {
    clearTimeout(timer);
  }
}

function assertPixels(pixels: number, maxPixels: number) {
  if (pixels > maxPixels) throw new PhotoRejected("too_large", tooLargeMessage(pixels, maxPixels));
}

async function unbounded(bytes: Uint8Array, limits: PhotoLimits, expired: AbortSignal) {
  // The declared size is checked before libvips sees the file: a header claiming billions of
  // pixels fails here even when what follows it would not parse.
  const header = readImageHeader(bytes);
  if (header === undefined) throw new PhotoRejected("undecodable", UNDECODABLE_MESSAGE);
  assertPixels(header.width * header.height, limits.maxPixels);

  const input = {
    failOn: "error", // a truncated file fails instead of decoding grey
    limitInputPixels: limits.maxPixels,
    sequentialRead: true,
    pages: 1, // variants come from the first frame of an animation
  } as const satisfies SharpOptions;
  const timeoutSeconds = Math.max(1, Math.ceil(limits.timeoutMs / 1000));

  const meta = await sharp(bytes, input).metadata();
  if (meta.format !== header.format) throw new PhotoRejected("undecodable", UNDECODABLE_MESSAGE);
  const frames = meta.pages ?? 1;
  const animated = frames > 1;
  // the animated original holds every frame in memory at once
  assertPixels(meta.width * meta.height * frames, limits.maxPixels);
  const orientation = animated ? 1 : (meta.orientation ?? 1);
  const { width, height } = animated ? meta : meta.autoOrient;
  expired.throwIfAborted();

  // Decoded once, upright, to raw pixels that the preview, thumbnail and placeholder are resized
  // from; a sharp clone per variant would decode the file once per variant. Chosen by measuring
  // both on a 12 MP JPEG (decision 0018).
  const decoder = sharp(bytes, input).timeout({ seconds: timeoutSeconds });
  if (!animated) decoder.autoOrient();
  const frame = await decoder.raw().toBuffer({ resolveWithObject: true });
  expired.throwIfAborted();
  const fromFrame = () =>
    sharp(frame.data, {
      raw: { width: frame.info.width, height: frame.info.height, channels: frame.info.channels },
    }).timeout({ seconds: timeoutSeconds });

  const [original, preview, thumbnail, placeholder] = await Promise.all([
    metadataFreeOriginal({
      bytes,
      header,
      orientation,
      animated,
      sixteenBit: meta.depth === "ushort",
      width,
      height,
      input,
      timeoutSeconds,
    }),
    webpVariant(fromFrame(), PREVIEW_MAX_SIDE, PREVIEW_QUALITY),
    webpVariant(fromFrame(), THUMBNAIL_MAX_SIDE, THUMBNAIL_QUALITY),
    thumbHash(fromFrame()),
  ]);
  return { width, height, placeholder, original, preview, thumbnail } satisfies ProcessedPhoto;
}

/** Longest side at most `side`, aspect kept, never upscaled. */
const within = (side: number): ResizeOptions => ({
  width: side,
  height: side,
  fit: "inside",
  withoutEnlargement: true,
});

async function webpVariant(image: Sharp, maxSide: number, quality: number) {
  const { data, info } = await image
    .resize(within(maxSide))
    .webp({ quality })
    .toBuffer({ resolveWithObject: true });
  return {
    bytes: new Uint8Array(data),
    contentType: "image/webp",
    width: info.width,
    height: info.height,
  } satisfies WebpVariant;
}

async function thumbHash(image: Sharp): Promise<string> {
  const { data, info } = await image
    .resize(within(PLACEHOLDER_MAX_SIDE))
    .toColourspace("srgb")
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return Buffer.from(rgbaToThumbHash(info.width, info.height, data)).toString("base64");
}
