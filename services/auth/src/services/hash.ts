/** Hex SHA-256; used to store refresh tokens and throttle subjects without keeping the originals. */
export const sha256Hex = (value: string) =>
  new Bun.CryptoHasher("sha256").update(value).digest("hex");
