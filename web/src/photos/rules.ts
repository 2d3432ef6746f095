/**
 * What may be uploaded, checked here before anything is sent so a refused photo costs no
 * request: the same rules the hangout service applies (packages/platform/src/upload-rules.ts).
 * Also the plain words for every reason a photo can fail.
 */

export const MAX_FILES = 10;
export const MAX_BYTES = 10 * 1024 * 1024;

/** The types the API takes, with the name endings it accepts for each. */
export const PHOTO_TYPES = {
  "image/jpeg": ["jpg", "jpeg"],
  "image/png": ["png"],
  "image/gif": ["gif"],
  "image/webp": ["webp"],
} as const;

export type PhotoType = keyof typeof PHOTO_TYPES;

export const ACCEPT = Object.keys(PHOTO_TYPES).join(",");

const TYPE_NAMES: Record<PhotoType, string> = {
  "image/jpeg": "JPEG",
  "image/png": "PNG",
  "image/gif": "GIF",
  "image/webp": "WebP",
};

/** The part of a File the rules read (a plain object in tests). */
export interface PickedFile {
  name: string;
  size: number;
  type: string;
}

export type Checked = { ok: true; contentType: PhotoType } | { ok: false; reason: string };

const isPhotoType = (type: string): type is PhotoType => Object.hasOwn(PHOTO_TYPES, type);

const extensionOf = (name: string) =>
  name.includes(".") ? (name.split(".").pop() ?? "").toLowerCase() : "";

// biome-ignore lint/suspicious/noControlCharactersInRegex: the API refuses such names
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * The content type to declare for a file, or why it is refused. Some systems give no type (or a
 * generic one) for a file they do not know, WebP on older ones: then its name's ending decides.
 */
export function checkFile(file: PickedFile): Checked {
  const extension = extensionOf(file.name);
  const byExtension = (Object.keys(PHOTO_TYPES) as PhotoType[]).find((type) =>
    (PHOTO_TYPES[type] as readonly string[]).includes(extension),
  );
  const unknown = file.type === "" || file.type === "application/octet-stream";
  const contentType = unknown ? byExtension : isPhotoType(file.type) ? file.type : undefined;
  if (!contentType) return { ok: false, reason: "not a JPEG, PNG, GIF or WebP image" };
  if (file.size > MAX_BYTES) return { ok: false, reason: "larger than 10 MiB" };
  if (file.size < 1) return { ok: false, reason: "the file is empty" };
  if (file.name.length > 255) return { ok: false, reason: "its name is over 255 characters" };
  if (CONTROL.test(file.name)) return { ok: false, reason: "its name has control characters" };
  const endings = PHOTO_TYPES[contentType] as readonly string[];
  if (!endings.includes(extension)) {
    const list = endings.map((ending) => `.${ending}`).join(" or ");
    return { ok: false, reason: `a ${TYPE_NAMES[contentType]} image's name must end in ${list}` };
  }
  return { ok: true, contentType };
}

export interface Picked<F extends PickedFile> {
  /** The files taken, in the order picked (at most MAX_FILES). */
  taken: F[];
  /** What to tell the person when more were picked than are taken; undefined otherwise. */
  notice: string | undefined;
}

/** The first MAX_FILES of a pick; the rest are left, and the person is told which. */
export function takeFirst<F extends PickedFile>(files: readonly F[]): Picked<F> {
  if (files.length <= MAX_FILES) return { taken: [...files], notice: undefined };
  const left = files.slice(MAX_FILES).map((file) => file.name);
  return {
    taken: files.slice(0, MAX_FILES),
    notice:
      `You picked ${files.length} photos; up to ${MAX_FILES} go at once, so the first ` +
      `${MAX_FILES} are being added. Not added: ${left.join(", ")}.`,
  };
}

const PROCESSING_REASONS: Record<string, string> = {
  too_large: "too large to process",
  undecodable: "not a readable image",
  timeout: "took too long to process",
  infected: "refused by the virus scan",
  missing: "upload did not arrive",
};

const CONFIRM_REASONS: Record<string, string> = {
  missing: "upload did not arrive",
  size_mismatch: "the stored file's size differs from the picked file's",
  type_mismatch: "the file is not the type its name says",
  checksum_mismatch: "the file changed on its way to storage",
  not_an_image: "not an image",
  expired: "the upload link expired",
  not_found: "the upload was not found",
};

const spaced = (reason: string) => reason.replaceAll("_", " ");

/** Why a confirmed photo failed processing (the memory's `failureReason`), in plain words. */
export const processingFailureText = (reason: string | null) =>
  reason ? (PROCESSING_REASONS[reason] ?? spaced(reason)) : "could not be processed";

/** Why the confirm of an upload refused it (`failed[].reason`), in plain words. */
export const confirmFailureText = (reason: string) => CONFIRM_REASONS[reason] ?? spaced(reason);
