const here = new URL("./images/", import.meta.url).pathname;

export type TestImage = "jpg" | "png" | "gif" | "webp" | "bmp";

/** The bytes of a real image of that format (see README.md). */
export const testImage = async (format: TestImage) =>
  new Uint8Array(await Bun.file(`${here}photo.${format}`).arrayBuffer());

/** base64 SHA-256, as S3's x-amz-checksum-sha256 and the upload APIs expect. */
export const sha256Base64 = (bytes: Uint8Array) =>
  new Bun.CryptoHasher("sha256").update(bytes).digest("base64");
