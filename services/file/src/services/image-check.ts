import { fileTypeFromBuffer } from "file-type";

/** Bytes enough for file-type to recognise any of the image formats we accept. */
const SNIFF_BYTES = 4100;

export interface ObjectDigest {
  /** base64 SHA-256 of every byte. */
  sha256: string;
  /** The MIME type the magic bytes show, if they show one. */
  detectedType: string | undefined;
  size: number;
}

/**
 * Reads the object once: hashes every byte and sniffs the magic bytes at its start. Works on any
 * S3-compatible store, whether or not it keeps checksums itself.
 */
export async function digestObject(body: ReadableStream<Uint8Array>): Promise<ObjectDigest> {
  const hasher = new Bun.CryptoHasher("sha256");
  const head: Uint8Array[] = [];
  let headBytes = 0;
  let size = 0;
  for await (const chunk of body) {
    hasher.update(chunk);
    size += chunk.byteLength;
    if (headBytes < SNIFF_BYTES) {
      head.push(chunk.subarray(0, SNIFF_BYTES - headBytes));
      headBytes += Math.min(chunk.byteLength, SNIFF_BYTES - headBytes);
    }
  }
  const detected = await fileTypeFromBuffer(Buffer.concat(head));
  return { sha256: hasher.digest("base64"), detectedType: detected?.mime, size };
}
