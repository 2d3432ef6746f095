import { isUuid } from "./ids.ts";
/**
 * What may be uploaded: the file service enforces it, the hangout service checks it first so its
 * users get field-level 422s before any URL is issued.
 */
export const MAX_FILES_PER_CALL = 10;
export const MAX_IDS_PER_CALL = 100;
export const MAX_FILE_BYTES = 10 * 1024 * 1024;

/** Allowed content types and the file extensions that may carry each. */
export const IMAGE_TYPES: Record<string, readonly string[]> = {
  "image/jpeg": ["jpg", "jpeg"],
  "image/png": ["png"],
  "image/gif": ["gif"],
  "image/webp": ["webp"],
};

export interface UploadIntent {
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  ownerRef: string;
}

/** A rule an input broke: the field's path (e.g. `intents[2].size`) and why. */
export class InvalidInput extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = "InvalidInput";
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
const SHA256_BASE64 = /^[A-Za-z0-9+/]{43}=$/;

function checkIntent(intent: UploadIntent, at: string) {
  const { filename, contentType, size, sha256, ownerRef } = intent;
  if (!filename || filename.length > 255 || CONTROL.test(filename)) {
    throw new InvalidInput(`${at}.filename`, "must be 1-255 characters without control characters");
  }
  const extensions = IMAGE_TYPES[contentType];
  if (!extensions) {
    throw new InvalidInput(
      `${at}.content_type`,
      `must be one of ${Object.keys(IMAGE_TYPES).join(", ")}`,
    );
  }
  const extension = filename.includes(".") ? filename.split(".").pop()?.toLowerCase() : undefined;
  if (!extension || !extensions.includes(extension)) {
    throw new InvalidInput(
      `${at}.filename`,
      `extension must match ${contentType} (.${extensions.join(", .")})`,
    );
  }
  if (!Number.isInteger(size) || size < 1 || size > MAX_FILE_BYTES) {
    throw new InvalidInput(`${at}.size`, `must be between 1 and ${MAX_FILE_BYTES} bytes`);
  }
  if (!SHA256_BASE64.test(sha256)) {
    throw new InvalidInput(
      `${at}.sha256`,
      "must be the base64 SHA-256 of the bytes (44 characters)",
    );
  }
  if (!ownerRef || ownerRef.length > 200 || CONTROL.test(ownerRef)) {
    throw new InvalidInput(
      `${at}.owner_ref`,
      "must be 1-200 characters without control characters",
    );
  }
}

/** Throws InvalidInput naming the first field that breaks a rule. */
export function checkIntents(intents: UploadIntent[]) {
  if (intents.length < 1 || intents.length > MAX_FILES_PER_CALL) {
    throw new InvalidInput("intents", `must hold 1 to ${MAX_FILES_PER_CALL} files`);
  }
  intents.forEach((intent, i) => {
    checkIntent(intent, `intents[${i}]`);
  });
}

/** Throws InvalidInput unless `ids` holds 1 to 100 UUIDs; returns them without duplicates. */
export function checkFileIds(ids: string[], field = "file_ids"): string[] {
  if (ids.length < 1 || ids.length > MAX_IDS_PER_CALL) {
    throw new InvalidInput(field, `must hold 1 to ${MAX_IDS_PER_CALL} ids`);
  }
  ids.forEach((id, i) => {
    if (!isUuid(id)) throw new InvalidInput(`${field}[${i}]`, "must be a UUID");
  });
  return [...new Set(ids.map((id) => id.toLowerCase()))];
}
