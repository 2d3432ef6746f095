/**
 * The upload rows under "Add photos": one per picked file, from its check to done or failed.
 * Files the rules refuse get a row with the reason and are never sent; each pick's accepted
 * files go as one batch, and a failed file is retried alone.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { Memory } from "../api/types.ts";
import { checkFile, type PhotoType, takeFirst } from "./rules.ts";
import { type BatchEvents, type BatchFile, type Stage, uploadBatch } from "./upload-batch.ts";

export interface UploadRow {
  key: number;
  name: string;
  /** "refused": the rules refused it before anything was sent, so it cannot be retried. */
  stage: Stage | "refused";
  percent: number;
  reason: string | undefined;
  file: File;
  contentType: PhotoType | undefined;
}

export function useUploads(hangoutId: string, onConfirmed: (memories: Memory[]) => void) {
  const [rows, setRows] = useState<UploadRow[]>([]);
  const [notice, setNotice] = useState<string | undefined>();
  const nextKey = useRef(0);
  const confirmedRef = useRef(onConfirmed);
  confirmedRef.current = onConfirmed;

  // Uploads stop when the photos leave the page (another hangout, or the page closed).
  const stop = useRef(new AbortController());
  useEffect(() => {
    const controller = new AbortController();
    stop.current = controller;
    return () => controller.abort();
  }, [hangoutId]);

  const patch = (key: number, change: Partial<UploadRow>) =>
    setRows((current) => current.map((row) => (row.key === key ? { ...row, ...change } : row)));

  const events: BatchEvents = {
    stage: (key, stage, reason) =>
      patch(key, { stage, reason, ...(stage === "preparing" ? { percent: 0 } : {}) }),
    progress: (key, percent) => patch(key, { percent }),
    confirmed: (memories) => confirmedRef.current(memories),
  };

  const send = (files: BatchFile[]) => {
    if (files.length) void uploadBatch(hangoutId, files, events, stop.current.signal);
  };

  const add = (picked: readonly File[]) => {
    const { taken, notice: told } = takeFirst(picked);
    setNotice(told);
    const added: UploadRow[] = taken.map((file) => {
      const checked = checkFile(file);
      return {
        key: nextKey.current++,
        name: file.name,
        file,
        percent: 0,
        stage: checked.ok ? "preparing" : "refused",
        reason: checked.ok ? undefined : checked.reason,
        contentType: checked.ok ? checked.contentType : undefined,
      };
    });
    setRows((current) => [...current, ...added]);
    send(
      added.flatMap((row) =>
        row.contentType ? [{ key: row.key, file: row.file, contentType: row.contentType }] : [],
      ),
    );
  };

  const retry = (row: UploadRow) => {
    if (row.stage !== "failed" || !row.contentType) return;
    patch(row.key, { stage: "preparing", percent: 0, reason: undefined });
    send([{ key: row.key, file: row.file, contentType: row.contentType }]);
  };

  /** Leaves only the rows still on their way. */
  const clearFinished = () =>
    setRows((current) =>
      current.filter(
        (row) => row.stage !== "done" && row.stage !== "failed" && row.stage !== "refused",
      ),
    );

  return { rows, notice, add, retry, clearFinished };
}
