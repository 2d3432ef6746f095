import type { DataOf } from "@hangout/events/registry";
import type { Logger } from "@hangout/platform/logger";
import type { MemoriesRepository, PhotoOutcome } from "../repositories/memories.ts";
import type { HangoutTransaction } from "../repositories/outbox.ts";
import { hangoutEvent } from "./events.ts";

export type FileProcessed = DataOf<"dev.hangout-planner.file.processed.v1">;

/** The column's size: a ThumbHash is far shorter (docs/decisions/0018-photo-pipeline.md). */
const PLACEHOLDER_MAX = 64;

export interface PhotosDeps {
  repo: MemoriesRepository;
  clock: () => Date;
  logger: Logger;
}

/** What the photo pipeline reports back about memories' photos. */
export function createPhotos({ repo, clock, logger }: PhotosDeps) {
  return {
    /**
     * file's `file.processed`, in the consumer's inbox transaction: the memory of that file
     * takes the outcome, members see it live (`memory.processed`), and `memory.processed.v1`
     * leaves through the outbox (notification tells the uploader of an infected photo). A memory
     * that is gone, being deleted, or no longer processing is left as it is.
     */
    async processed(data: FileProcessed, tx: HangoutTransaction) {
      const processedAt = clock();
      let placeholder = data.placeholder;
      if (placeholder !== null && placeholder.length > PLACEHOLDER_MAX) {
        // The photo is fine without one; refusing the event would leave it processing forever.
        logger.warn({ fileId: data.fileId }, "photo placeholder too long; stored without one");
        placeholder = null;
      }
      const outcome: PhotoOutcome =
        data.status === "ready"
          ? {
              photoStatus: "ready",
              failureReason: null,
              width: data.width,
              height: data.height,
              placeholder,
              processedAt,
            }
          : {
              photoStatus: "failed",
              failureReason: data.failureReason,
              width: null,
              height: null,
              placeholder: null,
              processedAt,
            };
      return repo.recordProcessed(tx, data.fileId, outcome, (memory) => [
        hangoutEvent("dev.hangout-planner.memory.processed.v1", {
          hangoutId: memory.hangoutId,
          memoryId: memory.id,
          uploadedBy: memory.uploadedBy,
          fileId: memory.fileId,
          status: outcome.photoStatus,
          failureReason: outcome.failureReason,
        }),
      ]);
    },
  };
}

export type Photos = ReturnType<typeof createPhotos>;
