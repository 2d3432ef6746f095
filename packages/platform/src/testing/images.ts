const here = new URL("./images/", import.meta.url).pathname;

export type TestImage = "jpg" | "png" | "gif" | "webp" | "bmp";

/** The bytes of a real image of that format (see README.md). */
export const testImage = async (format: TestImage) =>
  new Uint8Array(await Bun.file(`${here}photo.${format}`).arrayBuffer());

/** base64 SHA-256, as S3's x-amz-checksum-sha256 and the upload APIs expect. */
export const sha256Base64 = (bytes: Uint8Array) =>
  new Bun.CryptoHasher("sha256").update(bytes).digest("base64");

const CONTENT_TYPES: Record<TestImage, string> = {
  jpg: "image/jpeg",
  png: "image/png",
  gif: "image/gif",
  webp: "image/webp",
  bmp: "image/bmp",
};

/**
 * How an upload request describes that image: `{filename, contentType, size, sha256}` true to
 * its bytes, with `overrides` on top (a wrong size, an `ownerRef`, another name, …).
 */
export async function testImageFile<T extends Record<string, unknown>>(
  format: TestImage,
  overrides: T = {} as T,
) {
  const bytes = await testImage(format);
  return {
    filename: `photo.${format}`,
    contentType: CONTENT_TYPES[format],
    size: bytes.length,
    sha256: sha256Base64(bytes),
    ...overrides,
  };
}
