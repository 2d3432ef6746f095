import { callService } from "../repositories/grpc-errors.ts";
import type { MemoryRow } from "../repositories/memories.ts";
import type { ServiceClients } from "../repositories/service-clients.ts";

export interface PhotoVariant {
  url: string;
  width: number;
  height: number;
  contentType: string;
}

/** A memory as members see it: URLs only for a ready photo the file service still serves. */
export interface MemoryWithUrl {
  memory: MemoryRow;
  url: string | null;
  urlExpiresAt: Date | null;
  preview: PhotoVariant | null;
  thumbnail: PhotoVariant | null;
}

const withoutUrl = { url: null, urlExpiresAt: null, preview: null, thumbnail: null };

/**
 * Every memory, with URLs for the ready ones: the file service is asked only about those, and
 * one it no longer serves (deleted since our read) is shown without a URL.
 */
export const memoryUrls =
  (clients: ServiceClients) =>
  async (rows: MemoryRow[]): Promise<MemoryWithUrl[]> => {
    const ready = rows.filter((row) => row.photoStatus === "ready");
    const { urls } = ready.length
      ? await callService("file", () =>
          clients.files.getDownloadUrls({ fileIds: ready.map((row) => row.fileId) }),
        )
      : { urls: [] };
    const byFile = new Map(urls.map((u) => [u.fileId, u]));
    return rows.map((memory) => {
      const found = memory.photoStatus === "ready" ? byFile.get(memory.fileId) : undefined;
      if (!found?.expiresAt) return { memory, ...withoutUrl };
      return {
        memory,
        url: found.url,
        urlExpiresAt: found.expiresAt,
        preview: found.preview ?? null,
        thumbnail: found.thumbnail ?? null,
      };
    });
  };
