import type { DataOf } from "@hangout/events/registry";
import { AppError, invalidFields } from "@hangout/platform/errors";
import { isUuid } from "@hangout/platform/ids";
import type { Logger } from "@hangout/platform/logger";
import { pageOf } from "@hangout/platform/pagination";
import { checkIntents, InvalidInput } from "@hangout/platform/upload-rules";
import { callService } from "../repositories/grpc-errors.ts";
import type { HangoutsRepository } from "../repositories/hangouts.ts";
import type { MemoriesRepository, MemoryRow } from "../repositories/memories.ts";
import type { ServiceClients } from "../repositories/service-clients.ts";
import type { Access } from "./access.ts";
import { hangoutEvent } from "./events.ts";
import { type MemoryWithUrl, memoryUrls } from "./memory-urls.ts";

export interface UploadFileInput {
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
}

const FILE_BATCH = 100;

/** A memory becomes visible, so `memory.added`, when it is confirmed, by a request or the sweeper. */
const memoriesAdded = (rows: MemoryRow[]) =>
  rows.map((row) =>
    hangoutEvent("dev.hangout-planner.memory.added.v1", {
      hangoutId: row.hangoutId,
      memoryId: row.id,
      uploadedBy: row.uploadedBy,
      fileId: row.fileId,
      // Checked against the upload rules when the upload was issued.
      contentType: row.contentType as DataOf<"dev.hangout-planner.memory.added.v1">["contentType"],
      size: row.size,
    }),
  );

/** `intents[2].content_type` (the file service's wording) → `/files/2/contentType`. */
const bodyPath = (field: string) =>
  `/${field
    .replace(/^intents/, "files")
    .replace(/\[(\d+)\]/g, "/$1")
    .replace(/\./g, "/")
    .replace(/_(\w)/g, (_, c: string) => c.toUpperCase())}`;

const chunks = <T>(items: T[], size: number) =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) =>
    items.slice(i * size, (i + 1) * size),
  );

export interface MemoriesDeps {
  repo: MemoriesRepository;
  hangouts: HangoutsRepository;
  access: Access;
  clients: ServiceClients;
  clock: () => Date;
  logger: Logger;
}

/**
 * Photo memories. Bytes never pass through here: the file service issues presigned URLs and
 * verifies uploads. Ordering keeps the two databases and the store consistent through crashes:
 * - upload: file rows (PENDING) first, then memory rows (pending). A crash in between leaves
 *   PENDING files without memories, which the file reaper removes after their URLs expire.
 * - confirm: the file service confirms, then memories become confirmed. A crash in between
 *   leaves pending memories with UPLOADED files; the sweeper confirms them again (idempotent).
 * - delete: memories become `deleting` (hidden) first, then files are deleted, then the rows.
 *   If the file service is down, the sweeper finishes later; no memory ever points at a
 *   missing file, and no confirmed file outlives its memory.
 */
export function createMemories({ repo, hangouts, access, clients, clock, logger }: MemoriesDeps) {
  const files = (fn: () => Promise<unknown>) => callService("file", fn);

  const withUrls = memoryUrls(clients);

  /** Deletes the files of memories already marked `deleting`, then their rows. */
  async function removeDeleting(rows: MemoryRow[]) {
    for (const batch of chunks(rows, FILE_BATCH)) {
      await files(() => clients.files.deleteFiles({ fileIds: batch.map((row) => row.fileId) }));
      await repo.removeMany(batch.map((row) => row.id));
    }
  }

  async function memberMemory(memoryId: string, userId: string) {
    const memory = isUuid(memoryId) ? await repo.findById(memoryId) : undefined;
    if (memory?.status !== "confirmed") throw new AppError("not_found", "No such memory");
    // Not a member of its hangout: the same 404 as a memory that does not exist.
    const found = await access.member(memory.hangoutId, userId).catch((error: unknown) => {
      if (error instanceof AppError && error.code === "not_found") {
        throw new AppError("not_found", "No such memory");
      }
      throw error;
    });
    return { memory, ...found };
  }

  return {
    async createUploads(hangoutId: string, userId: string, input: UploadFileInput[]) {
      await access.member(hangoutId, userId);
      const memoryIds = input.map(() => Bun.randomUUIDv7());
      const intents = input.map((file, i) => ({ ...file, ownerRef: `memory:${memoryIds[i]}` }));
      try {
        checkIntents(intents);
      } catch (error) {
        if (!(error instanceof InvalidInput)) throw error;
        throw invalidFields([{ path: bodyPath(error.field), message: error.reason }]);
      }
      const { uploads } = await callService("file", () => clients.files.createUploads({ intents }));
      const now = clock();
      await repo.insertMany(
        uploads.map((upload, i) => ({
          id: memoryIds[i] as string,
          hangoutId,
          fileId: upload.fileId,
          uploadedBy: userId,
          filename: input[i]?.filename ?? "",
          contentType: input[i]?.contentType ?? "",
          size: input[i]?.size ?? 0,
          status: "pending" as const,
          photoStatus: "processing" as const,
          createdAt: now,
        })),
      );
      return uploads.map((upload, i) => ({
        memoryId: memoryIds[i] as string,
        url: upload.url,
        method: upload.method,
        headers: upload.headers,
        expiresAt: upload.expiresAt ?? now,
      }));
    },

    async confirm(hangoutId: string, userId: string, memoryIds: string[]) {
      await access.member(hangoutId, userId);
      const ids = [...new Set(memoryIds.filter((id) => isUuid(id)))];
      const rows = ids.length ? await repo.findInHangout(hangoutId, ids) : [];
      const byId = new Map(rows.map((row) => [row.id, row]));
      const failed: { memoryId: string; reason: string }[] = [];
      const pending: MemoryRow[] = [];
      const confirmedRows: MemoryRow[] = [];
      for (const id of [...new Set(memoryIds)]) {
        const row = byId.get(id);
        if (!row || row.status === "deleting") failed.push({ memoryId: id, reason: "not_found" });
        else if (row.status === "confirmed") confirmedRows.push(row);
        else pending.push(row);
      }
      if (pending.length) {
        const { results } = await callService("file", () =>
          clients.files.confirmUploads({ fileIds: pending.map((row) => row.fileId) }),
        );
        const outcome = new Map(results.map((r) => [r.fileId, r]));
        const now = clock();
        const newlyConfirmed = pending.filter((row) => outcome.get(row.fileId)?.confirmed);
        await repo.markConfirmed(
          newlyConfirmed.map((row) => row.id),
          now,
          memoriesAdded,
        );
        confirmedRows.push(
          ...newlyConfirmed.map((row) => ({ ...row, status: "confirmed" as const })),
        );
        for (const row of pending) {
          const reason = outcome.get(row.fileId)?.failureReason;
          if (!outcome.get(row.fileId)?.confirmed) {
            failed.push({ memoryId: row.id, reason: reason ?? "not_found" });
          }
        }
      }
      return { confirmed: await withUrls(confirmedRows), failed };
    },

    async list(
      hangoutId: string,
      userId: string,
      after: { at: Date; id: string } | undefined,
      limit: number,
    ) {
      await access.member(hangoutId, userId);
      const { rows, nextCursor } = pageOf(
        await repo.listConfirmed(hangoutId, after, limit + 1),
        limit,
        (row) => [row.createdAt.toISOString(), row.id],
      );
      return { items: await withUrls(rows), nextCursor };
    },

    /** A confirmed memory as GET returns it, for the live streams; undefined if gone. */
    async viewable(memoryId: string): Promise<MemoryWithUrl | undefined> {
      const memory = await repo.findById(memoryId);
      if (memory?.status !== "confirmed") return undefined;
      return (await withUrls([memory]))[0];
    },

    async get(memoryId: string, userId: string) {
      const { memory } = await memberMemory(memoryId, userId);
      return (await withUrls([memory]))[0] as MemoryWithUrl;
    },

    async remove(memoryId: string, userId: string) {
      const { memory, membership } = await memberMemory(memoryId, userId);
      if (memory.uploadedBy !== userId && membership.role !== "owner") {
        throw new AppError("forbidden", "Only its uploader or the hangout's owner may delete it");
      }
      const hidden = await repo.hideConfirmed(memory, (row) => [
        hangoutEvent("dev.hangout-planner.memory.removed.v1", {
          hangoutId: row.hangoutId,
          memoryId: row.id,
          fileId: row.fileId,
          removedBy: userId,
        }),
      ]);
      // Its hangout was deleted meanwhile: that purge removes it.
      if (!hidden) throw new AppError("not_found", "No such memory");
      await removeDeleting([hidden]);
    },

    /** For a deleted hangout: every memory and file, then the hangout's rows. */
    async purgeHangout(hangoutId: string) {
      const rows = await repo.markDeleting({ hangoutId });
      try {
        await removeDeleting(rows);
        await hangouts.remove(hangoutId);
      } catch (error) {
        // The hangout is already gone for its members; the sweeper deletes the rest.
        logger.warn(
          { err: error, hangoutId },
          "hangout files not deleted yet; the sweeper retries",
        );
      }
    },

    /**
     * Finishes what a crash or an unreachable file service left: deletes `deleting` memories'
     * files and rows, and settles pending memories older than `pendingBefore` (confirmed if the
     * file service confirms them, removed otherwise). Removes deleted hangouts left empty.
     */
    async sweep(pendingBefore: Date, limit = 100) {
      const rows = await repo.unfinished(pendingBefore, limit);
      const deleting = rows.filter((row) => row.status === "deleting");
      const pending = rows.filter((row) => row.status === "pending");
      await removeDeleting(deleting);
      if (pending.length) {
        const { results } = await callService("file", () =>
          clients.files.confirmUploads({ fileIds: pending.map((row) => row.fileId) }),
        );
        const confirmed = new Set(results.filter((r) => r.confirmed).map((r) => r.fileId));
        await repo.markConfirmed(
          pending.filter((row) => confirmed.has(row.fileId)).map((row) => row.id),
          clock(),
          memoriesAdded,
        );
        const abandoned = pending.filter((row) => !confirmed.has(row.fileId));
        if (abandoned.length) {
          await removeDeleting(await repo.markDeleting({ ids: abandoned.map((row) => row.id) }));
        }
      }
      const emptied = await hangouts.removeDeletedWithoutMemories();
      return { deleted: deleting.length, settled: pending.length, hangoutsRemoved: emptied };
    },
  };
}

export type Memories = ReturnType<typeof createMemories>;
