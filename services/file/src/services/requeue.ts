import { createEvent } from "@hangout/events/create";
import { fileUploaded, type photoTypes } from "@hangout/events/file-events";
import type { Logger } from "@hangout/platform/logger";
import { Counter, type HttpMetrics } from "@hangout/platform/metrics";
import { currentTraceparent } from "@hangout/platform/outbox/trace-context";
import type { FileRow, FilesRepository } from "../repositories/files.ts";
import { type Processing, ProcessingRefused } from "./processing.ts";

/**
 * `file.uploaded.v1`, the media worker's job, from the file's row: appended at confirm and again
 * by the sweep (docs/decisions/0018-photo-pipeline.md). The content type was checked against
 * the closed list at CreateUploads and against the bytes at confirm.
 */
export const uploadedEvent = (
  row: Pick<FileRow, "id" | "contentType" | "size" | "ownerRef">,
  at: Date,
) =>
  createEvent(
    fileUploaded.type,
    {
      fileId: row.id,
      contentType: row.contentType as (typeof photoTypes)[number],
      size: row.size,
      ownerRef: row.ownerRef,
    },
    { time: at, traceparent: currentTraceparent() },
  );

/**
 * The sweep of files stuck in PROCESSING: a job lost on the way (the broker, a crashed worker)
 * is sent again once `stuckSeconds` passed since the file was confirmed, then after waits that
 * double, never by two replicas at once. A file still PROCESSING `giveUpSeconds` after its
 * confirm fails as `timeout`, through the same path as the worker's own report (the upload is
 * deleted, `file.processed` tells hangout, the uploader is emailed): a job that can never finish
 * is not sent forever, and no photo stays "processing" for good.
 */
export function createRequeue(deps: {
  repo: FilesRepository;
  processing: Pick<Processing, "complete">;
  clock: () => Date;
  logger: Logger;
  stuckSeconds: number;
  giveUpSeconds: number;
  registry: HttpMetrics["registry"];
}) {
  const { repo, processing, clock, logger, stuckSeconds, giveUpSeconds, registry } = deps;
  const requeued = new Counter({
    name: "file_processing_requeued_total",
    help: "Files stuck in processing whose file.uploaded event the sweep appended again",
    registers: [registry],
  });
  const givenUp = new Counter({
    name: "file_processing_given_up_total",
    help: "Files the sweep failed as timeout after FILE_PROCESSING_GIVE_UP_SECONDS in processing",
    registers: [registry],
  });

  async function giveUp(now: Date, batchSize: number): Promise<string[]> {
    const cutoff = new Date(now.getTime() - giveUpSeconds * 1000);
    const ids = await repo.processingSince(cutoff, batchSize);
    const failed: string[] = [];
    for (const fileId of ids) {
      try {
        // The worker may report at the same moment: whichever commits first is recorded.
        const completion = await processing.complete({ fileId, failureReason: "timeout" });
        if (completion.failureReason === "timeout") failed.push(fileId);
      } catch (error) {
        // Deleted (or claimed for deletion) since it was read: nothing left to give up on.
        if (!(error instanceof ProcessingRefused)) throw error;
      }
    }
    if (failed.length > 0) {
      givenUp.inc(failed.length);
      logger.warn({ fileIds: failed }, "failed files stuck in processing too long");
    }
    return failed;
  }

  return {
    /** One batch of each; returns the ids it re-queued and those it gave up on. */
    async sweep(batchSize = 100): Promise<{ requeued: string[]; givenUp: string[] }> {
      const now = clock();
      const gaveUp = await giveUp(now, batchSize);
      const cutoff = new Date(now.getTime() - stuckSeconds * 1000);
      const rows = await repo.requeueStuck(cutoff, now, batchSize, (row) =>
        uploadedEvent(row, now),
      );
      if (rows.length > 0) {
        requeued.inc(rows.length);
        logger.warn({ fileIds: rows.map((row) => row.id) }, "re-queued files stuck in processing");
      }
      return { requeued: rows.map((row) => row.id), givenUp: gaveUp };
    },
  };
}

export type Requeue = ReturnType<typeof createRequeue>;
