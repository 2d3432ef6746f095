import { createEvent } from "@hangout/events/create";
import { fileUploaded, type photoTypes } from "@hangout/events/file-events";
import type { Logger } from "@hangout/platform/logger";
import { Counter, type HttpMetrics } from "@hangout/platform/metrics";
import { currentTraceparent } from "@hangout/platform/outbox/trace-context";
import type { FileRow, FilesRepository } from "../repositories/files.ts";

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
 * is sent again once `stuckSeconds` passed since the file was confirmed or last re-queued, so
 * a file the worker never finishes is retried once per period, never by two replicas at once.
 */
export function createRequeue(deps: {
  repo: FilesRepository;
  clock: () => Date;
  logger: Logger;
  stuckSeconds: number;
  registry: HttpMetrics["registry"];
}) {
  const { repo, clock, logger, stuckSeconds, registry } = deps;
  const requeued = new Counter({
    name: "file_processing_requeued_total",
    help: "Files stuck in processing whose file.uploaded event the sweep appended again",
    registers: [registry],
  });
  return {
    /** One batch; returns the ids it re-queued. */
    async sweep(batchSize = 100): Promise<string[]> {
      const now = clock();
      const cutoff = new Date(now.getTime() - stuckSeconds * 1000);
      const rows = await repo.requeueStuck(cutoff, now, batchSize, (row) =>
        uploadedEvent(row, now),
      );
      if (rows.length > 0) {
        requeued.inc(rows.length);
        logger.warn({ fileIds: rows.map((row) => row.id) }, "re-queued files stuck in processing");
      }
      return rows.map((row) => row.id);
    },
  };
}

export type Requeue = ReturnType<typeof createRequeue>;
