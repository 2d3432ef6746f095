/**
 * "Add photos": a file input inside a drop zone, and a row per picked file with its progress
 * and outcome. A failed file has a Retry button; a refused one says why and was never sent.
 */
import { useId } from "preact/hooks";
import type { Memory } from "../api/types.ts";
import { DropZone } from "./drop-zone.tsx";
import { ACCEPT, MAX_FILES } from "./rules.ts";
import { type UploadRow, useUploads } from "./use-uploads.ts";

const STATUS: Record<UploadRow["stage"], string> = {
  preparing: "Preparing…",
  uploading: "Uploading…",
  confirming: "Checking…",
  done: "Uploaded",
  failed: "Failed",
  refused: "Failed",
};

function statusText(row: UploadRow) {
  if (row.stage === "uploading") return `Uploading… ${row.percent}%`;
  const text = STATUS[row.stage];
  return row.reason ? `${text}: ${row.reason}` : text;
}

function Row({ row, onRetry }: { row: UploadRow; onRetry: () => void }) {
  const failed = row.stage === "failed" || row.stage === "refused";
  return (
    <li class={`upload-row upload-${row.stage}`}>
      <span class="upload-name">{row.name}</span>
      {row.stage !== "refused" && (
        <progress max={100} value={row.percent} aria-label={`Uploading ${row.name}`} />
      )}
      <span class={failed ? "upload-status error" : "upload-status"}>{statusText(row)}</span>
      {row.stage === "failed" && (
        <button type="button" class="secondary" aria-label={`Retry ${row.name}`} onClick={onRetry}>
          Retry
        </button>
      )}
    </li>
  );
}

export function Uploader(props: { hangoutId: string; onConfirmed(memories: Memory[]): void }) {
  const uploads = useUploads(props.hangoutId, props.onConfirmed);
  const id = useId();
  const finished = uploads.rows.some((row) => ["done", "failed", "refused"].includes(row.stage));

  return (
    <div class="uploader">
      <DropZone onFiles={uploads.add}>
        <label for={id}>Add photos</label>
        <input
          id={id}
          type="file"
          multiple
          accept={ACCEPT}
          aria-describedby={`${id}-hint`}
          onChange={(event) => {
            const input = event.currentTarget;
            const files = [...(input.files ?? [])];
            // Cleared so that picking the same file again (after a failure) is a new pick.
            input.value = "";
            if (files.length) uploads.add(files);
          }}
        />
        <p class="hint" id={`${id}-hint`}>
          Pick or drop up to {MAX_FILES} photos at once: JPEG, PNG, GIF or WebP, each up to 10 MiB.
        </p>
      </DropZone>
      {/* Always in the page, so a screen reader hears the notice when it appears. */}
      <p class="upload-notice" role="status">
        {uploads.notice ?? ""}
      </p>
      {uploads.rows.length > 0 && (
        <ul class="uploads" aria-label="Uploads">
          {uploads.rows.map((row) => (
            <Row key={row.key} row={row} onRetry={() => uploads.retry(row)} />
          ))}
        </ul>
      )}
      {finished && (
        <button type="button" class="link" onClick={uploads.clearFinished}>
          Clear finished uploads
        </button>
      )}
    </div>
  );
}
