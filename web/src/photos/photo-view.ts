/**
 * What a photo shows where: which URL for the tile and for the viewer, its ThumbHash as an
 * image while the real one loads, and its state in words when there is nothing to show yet.
 */
import { thumbHashToDataURL } from "thumbhash";
import type { Memory } from "../api/types.ts";
import { processingFailureText } from "./rules.ts";

type Urls = Pick<Memory, "url" | "preview" | "thumbnail">;

/** The smallest image there is for a tile; undefined when there is none (yet). */
export const tileSource = (memory: Urls) =>
  memory.thumbnail?.url ?? memory.preview?.url ?? memory.url ?? undefined;

/** The large image for the viewer. */
export const viewerSource = (memory: Urls) => memory.preview?.url ?? memory.url ?? undefined;

/** The photo's state when it has no image to show; undefined when it has one. */
export function stateText(memory: Pick<Memory, "status" | "failureReason"> & Urls) {
  if (memory.status === "processing") return "Processing…";
  if (memory.status === "failed") return `Failed: ${processingFailureText(memory.failureReason)}`;
  return tileSource(memory) ? undefined : "Not available right now";
}

const decoded = new Map<string, string | undefined>();

/** A data: URL of the ThumbHash; undefined for none or one that does not decode. */
export function placeholderUrl(hash: string | null): string | undefined {
  if (!hash) return undefined;
  if (!decoded.has(hash)) {
    try {
      const bytes = Uint8Array.from(atob(hash), (char) => char.charCodeAt(0));
      decoded.set(hash, thumbHashToDataURL(bytes));
    } catch {
      decoded.set(hash, undefined);
    }
  }
  return decoded.get(hash);
}
