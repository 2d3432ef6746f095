import type { Memory } from "../api/types.ts";

export const HANGOUT = "h1";

/** A memory as the API returns it, processing unless `change` says otherwise. */
export function memory(id: string, createdAt: string, change: Partial<Memory> = {}): Memory {
  return {
    id,
    hangoutId: HANGOUT,
    filename: `${id}.jpg`,
    contentType: "image/jpeg",
    size: 100,
    uploadedBy: "u1",
    createdAt,
    status: "processing",
    failureReason: null,
    width: null,
    height: null,
    placeholder: null,
    url: null,
    urlExpiresAt: null,
    preview: null,
    thumbnail: null,
    ...change,
  };
}
