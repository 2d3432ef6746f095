/**
 * The browser's side of an upload: the checksum the API asks for, and the PUT of the bytes
 * straight to storage with the presigned URL. XMLHttpRequest rather than fetch: only it reports
 * upload progress.
 */
import type { UploadSlots } from "../api/types.ts";

export type Slot = UploadSlots["uploads"][number];

/** Base64 of the SHA-256 of the file's bytes (storage checks it against the signed header). */
export async function sha256Base64(file: Blob): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", await file.arrayBuffer()));
  let binary = "";
  for (const byte of digest) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/**
 * Headers a page may not set: the browser sends its own (Content-Length from the body) and
 * would refuse these with a console error.
 */
const BROWSER_SET = new Set(["content-length", "host", "connection"]);

export class StorageError extends Error {}

/**
 * PUTs the file to its slot with exactly the signed headers, reporting whole percents.
 * Rejects with a StorageError whose message is fit to show.
 */
export function putToStorage(
  slot: Slot,
  file: Blob,
  onProgress: (percent: number) => void,
  signal: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (Date.parse(slot.expiresAt) <= Date.now()) {
      reject(new StorageError("the upload link expired before the upload started"));
      return;
    }
    const xhr = new XMLHttpRequest();
    xhr.open(slot.method, slot.url);
    for (const [name, value] of Object.entries(slot.headers)) {
      if (!BROWSER_SET.has(name.toLowerCase())) xhr.setRequestHeader(name, value);
    }
    let last = -1;
    xhr.upload.onprogress = (event) => {
      if (!event.lengthComputable) return;
      const percent = Math.floor((event.loaded / event.total) * 100);
      if (percent === last) return;
      last = percent;
      onProgress(percent);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(100);
        resolve();
      } else {
        reject(new StorageError(`storage refused the upload (${xhr.status})`));
      }
    };
    xhr.onerror = () => reject(new StorageError("the upload could not reach storage"));
    xhr.ontimeout = () => reject(new StorageError("the upload timed out"));
    xhr.onabort = () => reject(new StorageError("the upload was stopped"));
    const abort = () => xhr.abort();
    signal.addEventListener("abort", abort, { once: true });
    xhr.onloadend = () => signal.removeEventListener("abort", abort);
    xhr.send(file);
  });
}

/** Runs `work` on every item, at most `limit` at a time. */
export async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
