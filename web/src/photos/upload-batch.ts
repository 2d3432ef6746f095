/**
 * One batch of photos from request to confirm: checksums, one uploads request for the lot, each
 * file's PUT straight to storage, then one confirm for those that arrived. Every file ends done
 * or failed with its own reason; the rest of its batch goes on without it.
 */
import { call, hangoutApi } from "../api/client.ts";
import { ApiError, messageOf } from "../api/problem.ts";
import type { Memory } from "../api/types.ts";
import { confirmFailureText, type PhotoType } from "./rules.ts";
import { eachLimited, putToStorage, type Slot, StorageError, sha256Base64 } from "./upload.ts";

/** Parallel PUTs per batch: enough to fill a connection, few enough to show steady progress. */
const PUTS_AT_ONCE = 3;

export type Stage = "preparing" | "uploading" | "confirming" | "done" | "failed";

export interface BatchFile {
  key: number;
  file: File;
  contentType: PhotoType;
}

export interface BatchEvents {
  stage(key: number, stage: Stage, reason?: string): void;
  progress(key: number, percent: number): void;
  /** Photos now in the hangout, as confirm returns them. */
  confirmed(memories: Memory[]): void;
}

interface Hashed extends BatchFile {
  sha256: string;
}

/** The index in `files` that a 422's `/files/<i>/...` names, with its message. */
function fileErrors(error: unknown): Map<number, string> {
  const found = new Map<number, string>();
  if (!(error instanceof ApiError) || error.status !== 422) return found;
  for (const { path, message } of error.problem.errors ?? []) {
    const match = /^\/files\/(\d+)(\/|$)/.exec(path);
    if (match && !found.has(Number(match[1]))) found.set(Number(match[1]), message);
  }
  return found;
}

/**
 * Asks for one slot per file. A 422 that names some of the files fails those and asks again
 * for the others; any other failure fails them all.
 */
async function requestSlots(
  hangoutId: string,
  files: Hashed[],
  events: BatchEvents,
): Promise<{ file: Hashed; slot: Slot }[]> {
  let asking = files;
  while (asking.length) {
    const body = {
      files: asking.map((f) => ({
        filename: f.file.name,
        contentType: f.contentType,
        size: f.file.size,
        sha256: f.sha256,
      })),
    };
    const key = crypto.randomUUID();
    try {
      const { uploads } = await call(() =>
        hangoutApi.POST("/hangouts/{id}/memories/uploads", {
          params: { path: { id: hangoutId }, header: { "idempotency-key": key } },
          body,
        }),
      );
      return asking.flatMap((file, i) => {
        const slot = uploads[i];
        if (slot) return [{ file, slot }];
        events.stage(file.key, "failed", "no upload link was issued");
        return [];
      });
    } catch (error) {
      const named = fileErrors(error);
      const refused = asking.filter((_, i) => named.has(i));
      if (!refused.length) {
        for (const file of asking) events.stage(file.key, "failed", messageOf(error));
        return [];
      }
      asking.forEach((file, i) => {
        const message = named.get(i);
        if (message) events.stage(file.key, "failed", message);
      });
      asking = asking.filter((_, i) => !named.has(i));
    }
  }
  return [];
}

async function confirm(
  hangoutId: string,
  sent: { file: Hashed; slot: Slot }[],
  events: BatchEvents,
) {
  if (!sent.length) return;
  try {
    const { confirmed, failed } = await call(() =>
      hangoutApi.POST("/hangouts/{id}/memories/confirm", {
        params: { path: { id: hangoutId } },
        body: { memoryIds: sent.map(({ slot }) => slot.memoryId) },
      }),
    );
    const done = new Set(confirmed.map((memory) => memory.id));
    const reasons = new Map(failed.map((f) => [f.memoryId, confirmFailureText(f.reason)]));
    for (const { file, slot } of sent) {
      if (done.has(slot.memoryId)) events.stage(file.key, "done");
      else events.stage(file.key, "failed", reasons.get(slot.memoryId) ?? "it was not confirmed");
    }
    if (confirmed.length) events.confirmed(confirmed);
  } catch (error) {
    for (const { file } of sent) events.stage(file.key, "failed", messageOf(error));
  }
}

export async function uploadBatch(
  hangoutId: string,
  files: BatchFile[],
  events: BatchEvents,
  signal: AbortSignal,
): Promise<void> {
  const hashed: Hashed[] = [];
  for (const file of files) {
    events.stage(file.key, "preparing");
    try {
      hashed.push({ ...file, sha256: await sha256Base64(file.file) });
    } catch {
      events.stage(file.key, "failed", "the file could not be read");
    }
  }
  if (signal.aborted || !hashed.length) return;
  const slots = await requestSlots(hangoutId, hashed, events);
  const arrived: typeof slots = [];
  await eachLimited(slots, PUTS_AT_ONCE, async (entry) => {
    if (signal.aborted) return;
    events.stage(entry.file.key, "uploading");
    try {
      await putToStorage(
        entry.slot,
        entry.file.file,
        (percent) => events.progress(entry.file.key, percent),
        signal,
      );
      events.stage(entry.file.key, "confirming");
      arrived.push(entry);
    } catch (error) {
      const reason = error instanceof StorageError ? error.message : messageOf(error);
      events.stage(entry.file.key, "failed", reason);
    }
  });
  if (signal.aborted) return;
  await confirm(hangoutId, arrived, events);
}
