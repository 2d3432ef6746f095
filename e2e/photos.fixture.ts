/**
 * Photos through hangout's public API and the real pipeline (docs/decisions/0018-photo-pipeline.md):
 * upload, PUT to the presigned URL, confirm, then wait for the media worker's outcome. Shared by
 * e2e/photos.test.ts and e2e/photo-infected.test.ts.
 */
import { expect } from "bun:test";
import { sha256Base64 } from "@hangout/platform/testing/images";
import type { FilePeer } from "@hangout/platform/testing/stack";
// sharp is the media worker's dependency, not the root's: measuring what members get needs it.
import sharp from "../services/media/node_modules/sharp";
import { containsGps, indexOfBytes, pngHeaderOnly } from "../services/media/test/images.fixture.ts";

export { sharp };

/** The two requests the flow needs, as some member (the hangout harness's `Api` is one). */
export interface MemberApi {
  get(path: string): Promise<Response>;
  post(path: string, body?: unknown): Promise<Response>;
}

export interface Photo {
  filename: string;
  contentType: string;
  bytes: Uint8Array;
}

export interface Variant {
  url: string;
  width: number;
  height: number;
  contentType: string;
}

export interface Memory {
  id: string;
  filename: string;
  status: "processing" | "ready" | "failed";
  failureReason: string | null;
  width: number | null;
  height: number | null;
  placeholder: string | null;
  url: string | null;
  urlExpiresAt: string | null;
  preview: Variant | null;
  thumbnail: Variant | null;
}

const TYPES: Record<string, string> = {
  jpg: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
  gif: "image/gif",
};

/** A photo named `filename`, its content type taken from the extension. */
export const photo = (filename: string, bytes: Uint8Array): Photo => ({
  filename,
  contentType: TYPES[filename.split(".").pop()!]!,
  bytes,
});

async function body<T>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  if (response.status !== status) {
    throw new Error(`${response.url}: expected ${status}, got ${response.status}: ${text}`);
  }
  return JSON.parse(text) as T;
}

/**
 * Uploads and confirms `photos` in one hangout; every one must pass file's confirm checks.
 * Returns the memory ids in the order of `photos`, and what confirm answered for each.
 */
export async function uploadPhotos(api: MemberApi, hangoutId: string, photos: Photo[]) {
  const { uploads } = await body<{
    uploads: { memoryId: string; url: string; method: string; headers: Record<string, string> }[];
  }>(
    await api.post(`/hangouts/${hangoutId}/memories/uploads`, {
      files: photos.map((p) => ({
        filename: p.filename,
        contentType: p.contentType,
        size: p.bytes.length,
        sha256: sha256Base64(p.bytes),
      })),
    }),
    201,
  );
  for (const [i, upload] of uploads.entries()) {
    const put = await fetch(upload.url, {
      method: upload.method,
      headers: upload.headers,
      body: photos[i]!.bytes,
    });
    expect(put.status).toBe(200);
  }
  const ids = uploads.map((u) => u.memoryId);
  const confirm = await body<{ confirmed: Memory[]; failed: unknown[] }>(
    await api.post(`/hangouts/${hangoutId}/memories/confirm`, { memoryIds: ids }),
    200,
  );
  expect(confirm.failed).toEqual([]);
  expect(confirm.confirmed.map((m) => m.id).sort()).toEqual([...ids].sort());
  return { ids, confirmed: confirm.confirmed };
}

export const getMemory = async (api: MemberApi, id: string) =>
  body<Memory>(await api.get(`/memories/${id}`), 200);

/**
 * Polls the memory until its photo left `processing`; `seen` gets every answer on the way
 * (the last one included).
 */
export async function settled(
  api: MemberApi,
  id: string,
  {
    timeoutMs = 30_000,
    seen = async (_: Memory) => {},
  }: { timeoutMs?: number; seen?: (memory: Memory) => Promise<void> } = {},
): Promise<Memory> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const memory = await getMemory(api, id);
    await seen(memory);
    if (memory.status !== "processing") return memory;
    if (Date.now() > deadline)
      throw new Error(`memory ${id} still processing after ${timeoutMs} ms`);
    await Bun.sleep(100);
  }
}

/** The bytes behind a URL a member was given (200 expected). */
export async function download(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return new Uint8Array(await response.arrayBuffer());
}

/** No EXIF, no XMP packet, no GPS position in the bytes, and none that sharp finds either. */
export async function expectMetadataFree(bytes: Uint8Array, what: string) {
  expect({ what, exif: indexOfBytes(bytes, "Exif\0\0") }).toEqual({ what, exif: -1 });
  expect({ what, xmp: indexOfBytes(bytes, "<?xpacket") }).toEqual({ what, xmp: -1 });
  expect({ what, xmpNs: indexOfBytes(bytes, "ns.adobe.com/xap") }).toEqual({ what, xmpNs: -1 });
  expect({ what, gps: containsGps(bytes) }).toEqual({ what, gps: false });
  const meta = await sharp(bytes).metadata();
  expect({ what, exif: meta.exif, xmp: meta.xmp }).toEqual({
    what,
    exif: undefined,
    xmp: undefined,
  });
}

/** The URLs a member was given for a memory, none of which may exist for a failed photo. */
export const urlsOf = (m: Memory) => [m.url, m.preview?.url ?? null, m.thumbnail?.url ?? null];

/** The variants' keys (decision 0018), fixed by the file id. */
export const variantKeys = (fileId: string) =>
  [`media/${fileId}/original`, `media/${fileId}/preview.webp`, `media/${fileId}/thumb.webp`].sort();

/** Every key in file's store under `prefix`, sorted. */
export async function keysUnder(file: FilePeer, prefix: string): Promise<string[]> {
  const store = new Bun.S3Client({
    endpoint: file.s3.endpoint,
    bucket: file.s3.env.S3_BUCKET,
    region: file.s3.env.S3_REGION,
    accessKeyId: file.s3.env.S3_ACCESS_KEY_ID,
    secretAccessKey: file.s3.env.S3_SECRET_ACCESS_KEY,
  });
  const listed = await store.list({ prefix });
  return (listed.contents ?? []).map((object) => object.key).sort();
}

/** What the store holds for one file: its variants and its quarantined upload. */
export const objectsOf = async (file: FilePeer, fileId: string) => ({
  media: await keysUnder(file, `media/${fileId}/`),
  incoming: await keysUnder(file, `incoming/${fileId}`),
});

function pngChunk(type: string, data: Uint8Array) {
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write(type, 4, "latin1");
  chunk.set(data, 8);
  chunk.writeUInt32BE(Bun.hash.crc32(chunk.subarray(4, 8 + data.length)) >>> 0, 8 + data.length);
  return chunk;
}

/**
 * A well-formed PNG declaring width × height over a tiny IDAT. pngHeaderOnly's random tail is
 * sometimes read as a broken chunk by file's magic-byte check, which then refuses the confirm.
 */
export const declaredPng = (width: number, height: number) =>
  new Uint8Array(
    Buffer.concat([
      pngHeaderOnly(width, height).subarray(0, 33),
      pngChunk("IDAT", new Uint8Array(4096)),
      pngChunk("IEND", new Uint8Array()),
    ]),
  );
