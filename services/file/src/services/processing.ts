import { createEvent } from "@hangout/events/create";
import { fileProcessed, photoFailureReasons } from "@hangout/events/file-events";
import type { Logger } from "@hangout/platform/logger";
import { currentTraceparent } from "@hangout/platform/outbox/trace-context";
import { checkFileIds, InvalidInput } from "@hangout/platform/upload-rules";
import type { CompleteProcessingRequest, Variant } from "@hangout/proto/file/v1/file";
import type { FileRow, FilesRepository, ProcessingOutcome } from "../repositories/files.ts";
import type { ObjectStore } from "../repositories/object-store.ts";
import { incomingKey, variantKeys } from "./object-keys.ts";

export type PhotoFailureReason = (typeof photoFailureReasons)[number];

/** A report the file's state refuses: NOT_FOUND or FAILED_PRECONDITION over gRPC. */
export class ProcessingRefused extends Error {
  constructor(
    readonly code: "not_found" | "not_processing",
    message: string,
  ) {
    super(message);
    this.name = "ProcessingRefused";
  }
}

export interface Completion {
  status: "ready" | "failed";
  failureReason?: PhotoFailureReason;
}

const isReason = (value: string): value is PhotoFailureReason =>
  (photoFailureReasons as readonly string[]).includes(value);

function checkVariant(variant: Variant | undefined, field: string) {
  if (!variant) throw new InvalidInput(field, "is required");
  for (const key of ["width", "height", "size"] as const) {
    if (!Number.isInteger(variant[key]) || variant[key] < 1 || variant[key] > 2 ** 31 - 1) {
      throw new InvalidInput(`${field}.${key}`, "must be a positive integer");
    }
  }
  if (!/^image\/[a-z0-9.+-]{1,26}$/.test(variant.contentType)) {
    throw new InvalidInput(`${field}.content_type`, "must be an image media type");
  }
  return variant;
}

/** The request as a row change; INVALID_ARGUMENT naming the field for anything malformed. */
function toOutcome(request: CompleteProcessingRequest): ProcessingOutcome {
  const { ready, failureReason } = request;
  if (failureReason !== undefined) {
    if (!isReason(failureReason)) {
      throw new InvalidInput("failure_reason", `must be one of ${photoFailureReasons.join(", ")}`);
    }
    return { status: "FAILED", failureReason };
  }
  if (!ready) throw new InvalidInput("outcome", "must be ready or failure_reason");
  for (const key of ["width", "height"] as const) {
    if (!Number.isInteger(ready[key]) || ready[key] < 1) {
      throw new InvalidInput(`ready.${key}`, "must be a positive integer");
    }
  }
  if (!/^[A-Za-z0-9+/]{1,62}={0,2}$/.test(ready.placeholder)) {
    throw new InvalidInput("ready.placeholder", "must be base64, at most 64 characters");
  }
  const original = checkVariant(ready.original, "ready.original");
  const preview = checkVariant(ready.preview, "ready.preview");
  const thumbnail = checkVariant(ready.thumbnail, "ready.thumbnail");
  return {
    status: "READY",
    width: ready.width,
    height: ready.height,
    placeholder: ready.placeholder,
    originalWidth: original.width,
    originalHeight: original.height,
    originalContentType: original.contentType,
    originalSize: original.size,
    previewWidth: preview.width,
    previewHeight: preview.height,
    previewContentType: preview.contentType,
    previewSize: preview.size,
    thumbnailWidth: thumbnail.width,
    thumbnailHeight: thumbnail.height,
    thumbnailContentType: thumbnail.contentType,
    thumbnailSize: thumbnail.size,
  };
}

const variantOf = (width: number | null, height: number | null, contentType: string | null) =>
  width && height && contentType ? { width, height, contentType } : null;

/** `file.processed.v1` exactly per its contract, from the recorded row. */
function processedEvent(row: FileRow, at: Date) {
  const ready = row.status === "READY";
  return createEvent(
    fileProcessed.type,
    {
      fileId: row.id,
      ownerRef: row.ownerRef,
      status: ready ? "ready" : "failed",
      failureReason: ready ? null : (row.failureReason as PhotoFailureReason),
      width: ready ? row.width : null,
      height: ready ? row.height : null,
      placeholder: ready ? row.placeholder : null,
      preview: ready
        ? variantOf(row.previewWidth, row.previewHeight, row.previewContentType)
        : null,
      thumbnail: ready
        ? variantOf(row.thumbnailWidth, row.thumbnailHeight, row.thumbnailContentType)
        : null,
    },
    { time: at, traceparent: currentTraceparent() },
  );
}

const completionOf = (row: FileRow): Completion =>
  row.status === "READY"
    ? { status: "ready" }
    : { status: "failed", failureReason: row.failureReason as PhotoFailureReason };

/**
 * CompleteProcessing: the media worker's report, recorded once with its event
 * (docs/decisions/0018-photo-pipeline.md). Objects are deleted only after the commit; a crash in
 * between leaves them until the worker's redelivered report (or a delete) removes them.
 */
export function createProcessing(deps: {
  repo: FilesRepository;
  store: ObjectStore;
  clock: () => Date;
  logger: Logger;
}) {
  const { repo, store, clock, logger } = deps;
  return {
    async complete(request: CompleteProcessingRequest): Promise<Completion> {
      const [id] = checkFileIds([request.fileId], "file_id") as [string];
      const outcome = toOutcome(request);
      const at = clock();
      const result = await repo.completeProcessing(id, outcome, at, (row) =>
        processedEvent(row, at),
      );
      if (result.outcome === "not_found") {
        // Deleted while the worker ran: the delete may have come before the variants were
        // written, and nothing else would ever remove them.
        await Promise.all(
          [incomingKey(id), ...Object.values(variantKeys(id))].map((key) => store.delete(key)),
        );
        throw new ProcessingRefused("not_found", `file_id: no file ${id}`);
      }
      if (result.outcome === "not_processing") {
        throw new ProcessingRefused("not_processing", `file_id: file ${id} is not processing`);
      }
      if (result.outcome === "recorded") {
        logger.info({ fileId: id, status: outcome.status }, "processing recorded");
      }
      // Also on a repeated report: it finishes what a crash after the first commit left, and
      // removes variants a re-run wrote for a file already recorded as failed.
      const keys = [incomingKey(id)];
      if (result.row.status === "FAILED") keys.push(...Object.values(variantKeys(id)));
      await Promise.all(keys.map((key) => store.delete(key)));
      return completionOf(result.row);
    },
  };
}

export type Processing = ReturnType<typeof createProcessing>;
