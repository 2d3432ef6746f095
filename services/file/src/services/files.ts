import type { Logger } from "@hangout/platform/logger";
import { checkFileIds, checkIntents, type UploadIntent } from "@hangout/platform/upload-rules";
import type { FileConfig } from "../config.ts";
import type { FileRow, FilesRepository } from "../repositories/files.ts";
import type { ObjectStore } from "../repositories/object-store.ts";
import { digestObject } from "./image-check.ts";
import { allKeysOf, incomingKey, variantKeys } from "./object-keys.ts";
import { uploadedEvent } from "./requeue.ts";

export type FailureReason =
  | "missing"
  | "size_mismatch"
  | "type_mismatch"
  | "checksum_mismatch"
  | "not_an_image"
  | "expired"
  | "not_found";

export type ConfirmResult =
  | { fileId: string; confirmed: FileRow }
  | { fileId: string; failureReason: FailureReason };

export interface FilesDeps {
  repo: FilesRepository;
  store: ObjectStore;
  config: FileConfig;
  clock: () => Date;
  logger: Logger;
}

/** Every state a confirmed file may be in; a confirm of one of them answers what it holds. */
const confirmedStatuses: readonly FileRow["status"][] = [
  "UPLOADED",
  "PROCESSING",
  "READY",
  "FAILED",
];

/** The file service's use cases; the gRPC layer only maps messages to these. */
export function createFiles({ repo, store, config, clock, logger }: FilesDeps) {
  const graceMs = config.FILE_REAPER_GRACE_SECONDS * 1000;

  /** Checks the stored object against its intent; a mismatching object is deleted. */
  async function verify(row: FileRow): Promise<FailureReason | undefined> {
    const head = await store.head(row.objectKey);
    if (!head) return "missing";
    let failure: FailureReason | undefined;
    if (head.size !== row.size) failure = "size_mismatch";
    else if (head.contentType !== row.contentType) failure = "type_mismatch";
    else {
      const body = await store.read(row.objectKey);
      if (!body) return "missing";
      const digest = await digestObject(body);
      if (digest.size !== row.size) failure = "size_mismatch";
      else if (digest.sha256 !== row.sha256) failure = "checksum_mismatch";
      else if (!digest.detectedType?.startsWith("image/")) failure = "not_an_image";
      else if (digest.detectedType !== row.contentType) failure = "type_mismatch";
    }
    if (failure) {
      logger.info({ fileId: row.id, reason: failure }, "upload refused; object deleted");
      await store.delete(row.objectKey);
    }
    return failure;
  }

  /**
   * A checked upload goes to the media worker: PROCESSING and `file.uploaded` in one transaction
   * (docs/decisions/0018-photo-pipeline.md). A PENDING row created before the quarantine still
   * has its upload at `files/<id>`, where the worker does not look: it is confirmed UPLOADED as
   * then, and served as the legacy row it is.
   */
  async function confirmOne(id: string, row: FileRow | undefined): Promise<ConfirmResult> {
    if (!row || row.status === "DELETING") return { fileId: id, failureReason: "not_found" };
    if (confirmedStatuses.includes(row.status)) return { fileId: id, confirmed: row };
    if (clock().getTime() > row.expiresAt.getTime() + graceMs) {
      return { fileId: id, failureReason: "expired" };
    }
    const failure = await verify(row);
    if (failure) return { fileId: id, failureReason: failure };
    const uploadedAt = clock();
    const quarantined = row.objectKey === incomingKey(id);
    const marked = quarantined
      ? await repo.markProcessing(id, uploadedAt, uploadedEvent(row, uploadedAt))
      : await repo.markUploaded(id, uploadedAt);
    if (marked) {
      const status = quarantined ? "PROCESSING" : "UPLOADED";
      return { fileId: id, confirmed: { ...row, status, uploadedAt } };
    }
    // Someone else moved the row meanwhile: a concurrent confirm (fine) or a delete/reaper.
    const [current] = await repo.findByIds([id]);
    return current && confirmedStatuses.includes(current.status)
      ? { fileId: id, confirmed: current }
      : { fileId: id, failureReason: current ? "expired" : "not_found" };
  }

  /** Deletes claimed rows: objects first, then the row, so no row outlives a missing object. */
  async function removeClaimed(rows: FileRow[]): Promise<string[]> {
    const removed = await Promise.all(
      rows.map(async (row) => {
        await Promise.all(allKeysOf(row).map((key) => store.delete(key)));
        return (await repo.removeClaimed(row.id)) ? row.id : undefined;
      }),
    );
    return removed.filter((id): id is string => id !== undefined);
  }

  return {
    async createUploads(intents: UploadIntent[]) {
      checkIntents(intents);
      const now = clock();
      const expiresAt = new Date(now.getTime() + config.FILE_UPLOAD_URL_TTL_SECONDS * 1000);
      const rows = intents.map((intent) => {
        const id = Bun.randomUUIDv7();
        return {
          id,
          // From the id alone: nothing the caller sent becomes part of a key.
          objectKey: incomingKey(id),
          ownerRef: intent.ownerRef,
          filename: intent.filename,
          contentType: intent.contentType,
          size: intent.size,
          sha256: intent.sha256,
          status: "PENDING" as const,
          expiresAt,
          createdAt: now,
        };
      });
      await repo.insertMany(rows);
      return Promise.all(
        rows.map(async (row) => ({
          fileId: row.id,
          method: "PUT",
          expiresAt,
          ...(await store.presignPut(row.objectKey, row, config.FILE_UPLOAD_URL_TTL_SECONDS)),
        })),
      );
    },

    async confirmUploads(fileIds: string[]): Promise<ConfirmResult[]> {
      const ids = checkFileIds(fileIds);
      const rows = new Map((await repo.findByIds(ids)).map((row) => [row.id, row]));
      return Promise.all(ids.map((id) => confirmOne(id, rows.get(id))));
    },

    async downloadUrls(fileIds: string[]) {
      const ids = checkFileIds(fileIds);
      const rows = new Map((await repo.findByIds(ids)).map((row) => [row.id, row]));
      const expiresAt = new Date(clock().getTime() + config.FILE_DOWNLOAD_URL_TTL_SECONDS * 1000);
      const ttl = config.FILE_DOWNLOAD_URL_TTL_SECONDS;
      // PROCESSING and FAILED files are left out: no URL is ever issued under incoming/.
      const downloadable = ids.flatMap((id) => {
        const row = rows.get(id);
        return row?.status === "UPLOADED" || row?.status === "READY" ? [row] : [];
      });
      return Promise.all(
        downloadable.map(async (row) => {
          // Legacy: a row confirmed before the quarantine (or from a PENDING row created before
          // it) keeps its uploaded bytes at files/<id> and no variants, as then.
          if (row.status === "UPLOADED") {
            return { fileId: row.id, url: await store.presignGet(row.objectKey, ttl), expiresAt };
          }
          const keys = variantKeys(row.id);
          const [url, preview, thumbnail] = await Promise.all([
            store.presignGet(keys.original, ttl),
            store.presignGet(keys.preview, ttl),
            store.presignGet(keys.thumbnail, ttl),
          ]);
          return {
            fileId: row.id,
            url,
            expiresAt,
            preview: {
              url: preview,
              width: row.previewWidth ?? 0,
              height: row.previewHeight ?? 0,
              contentType: row.previewContentType ?? "",
            },
            thumbnail: {
              url: thumbnail,
              width: row.thumbnailWidth ?? 0,
              height: row.thumbnailHeight ?? 0,
              contentType: row.thumbnailContentType ?? "",
            },
          };
        }),
      );
    },

    async deleteFiles(fileIds: string[]): Promise<string[]> {
      const ids = checkFileIds(fileIds);
      return removeClaimed(await repo.claimForDeletion(ids, clock()));
    },

    /**
     * One reaper pass: PENDING files whose upload URL expired more than the grace period ago
     * are claimed and deleted, object and row. Returns how many rows it removed.
     */
    async reap(batchSize = 100): Promise<number> {
      const now = clock();
      const cutoff = new Date(now.getTime() - graceMs);
      return (await removeClaimed(await repo.claimAbandoned(cutoff, now, batchSize))).length;
    },
  };
}

export type Files = ReturnType<typeof createFiles>;
