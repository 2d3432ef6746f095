import type { Event } from "@hangout/events/registry";
import type { Logger } from "@hangout/platform/logger";
import { withSpan } from "@hangout/platform/telemetry";
import type { CompleteProcessingRequest } from "@hangout/proto/file/v1/file";
import type { EncodedImage } from "../pipeline/original.ts";
import { PhotoRejected } from "../pipeline/photo-rejected.ts";
import { type PhotoLimits, processPhoto } from "../pipeline/process-photo.ts";
import { type PhotoStore, photoKeys } from "../repositories/photo-store.ts";
import type { Scanner } from "../repositories/scanner.ts";

export type FileUploaded = Event<"dev.hangout-planner.file.uploaded.v1">;

/** How a job ended, as reported to the file service (and counted). */
export type JobOutcome = "ready" | "too_large" | "undecodable" | "timeout" | "infected" | "missing";

export interface ProcessUploadDeps {
  store: PhotoStore;
  /** file.v1.FileService's CompleteProcessing; it keeps the first report and answers it. */
  complete(request: CompleteProcessingRequest): Promise<unknown>;
  /** Undefined when no clamd is configured: the scan is skipped (readiness says so). */
  scanner: Scanner | undefined;
  limits: PhotoLimits;
  logger: Logger;
}

/**
 * One photo, from quarantine to its variants and the report to file. Safe to run again for the
 * same event (the consumer has no inbox): the keys are fixed by the file id, and file keeps the
 * first outcome. What could go better on a later attempt (clamd or file unreachable, S3 errors)
 * throws, so the consumer retries it; what is wrong with the photo itself is reported, once.
 */
export async function processUpload(deps: ProcessUploadDeps, event: FileUploaded) {
  const { fileId } = event.data;
  const keys = photoKeys(fileId);
  const fail = (reason: Exclude<JobOutcome, "ready">): Promise<JobOutcome> =>
    deps.complete({ fileId, failureReason: reason }).then(() => reason);

  // Gone when an earlier run already reported (file deleted the upload then): file answers with
  // what that run recorded, so reporting `missing` here changes nothing.
  const bytes = await deps.store.readIncoming(fileId);
  if (!bytes) return fail("missing");

  if (deps.scanner) {
    const scan = deps.scanner;
    const verdict = await withSpan("clamd scan", { "file.id": fileId }, () => scan.scan(bytes));
    if (!verdict.clean) {
      deps.logger.warn({ fileId, signature: verdict.signature }, "infected upload refused");
      return fail("infected");
    }
  }

  let photo: Awaited<ReturnType<typeof processPhoto>>;
  try {
    photo = await withSpan("process photo", { "file.id": fileId }, () =>
      processPhoto(bytes, deps.limits),
    );
  } catch (error) {
    if (error instanceof PhotoRejected) {
      deps.logger.info({ fileId, reason: error.reason }, "photo refused");
      return fail(error.reason);
    }
    throw error;
  }

  await Promise.all([
    deps.store.put(keys.original, photo.original.bytes, photo.original.contentType),
    deps.store.put(keys.preview, photo.preview.bytes, photo.preview.contentType),
    deps.store.put(keys.thumbnail, photo.thumbnail.bytes, photo.thumbnail.contentType),
  ]);
  await deps.complete({
    fileId,
    ready: {
      width: photo.width,
      height: photo.height,
      placeholder: photo.placeholder,
      original: variant(photo.original),
      preview: variant(photo.preview),
      thumbnail: variant(photo.thumbnail),
    },
  });
  return "ready" satisfies JobOutcome;
}

const variant = (image: EncodedImage) => ({
  width: image.width,
  height: image.height,
  contentType: image.contentType,
  size: image.bytes.byteLength,
});
