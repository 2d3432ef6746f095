export type { EncodedImage } from "./original.ts";
export { PhotoRejected, type PhotoRejectReason } from "./photo-rejected.ts";
export {
  type PhotoLimits,
  PREVIEW_MAX_SIDE,
  type ProcessedPhoto,
  processPhoto,
  THUMBNAIL_MAX_SIDE,
  type WebpVariant,
} from "./process-photo.ts";
export { MalformedJpegError, stripJpegMetadata } from "./strip-jpeg.ts";
