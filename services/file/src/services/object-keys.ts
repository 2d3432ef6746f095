/*
 * Where a file's objects live, from its id alone: nothing a caller sent becomes part of a key
 * (docs/decisions/0018-photo-pipeline.md).
 */

/** The presigned PUT's target: the untouched upload, never downloadable. */
export const incomingKey = (id: string) => `incoming/${id}`;

/** What the media worker writes; fixed per file, so a re-run overwrites. */
export const variantKeys = (id: string) => ({
  original: `media/${id}/original`,
  preview: `media/${id}/preview.webp`,
  thumbnail: `media/${id}/thumb.webp`,
});

/** Every key a file may have left in the store, whatever its state: what a delete removes. */
export const allKeysOf = (row: { id: string; objectKey: string }) => [
  ...new Set([row.objectKey, incomingKey(row.id), ...Object.values(variantKeys(row.id))]),
];
