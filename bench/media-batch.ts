// The media section's measurements of the worker: photos put into the quarantine as hangout's
// clients do (CreateUploads with hangout's identity, then the presigned PUT), then confirmed all
// at once so that the worker drains its queue, or one at a time for a single photo's wait.
import { createPool } from "@hangout/platform/db";
import { sha256Base64 } from "@hangout/platform/testing/images";
import type { RowDataPacket } from "../packages/platform/node_modules/mysql2/promise";
import { procCpuSeconds } from "./common.ts";
import type { Photo } from "./media-photos.ts";
import { CONCURRENCY, type WorkerStack, wallMs } from "./media-worker.ts";

/** CreateUploads takes at most 10 intents, ConfirmUploads at most 100 ids (upload-rules.ts). */
const INTENTS_PER_CALL = 10;
const IDS_PER_CALL = 100;
const PUTS_IN_FLIGHT = 4;

export interface Outputs {
  name: string;
  original: number;
  preview: number;
  thumbnail: number;
}

export interface WorkerBatch {
  photos: number;
  /** From the first file.uploaded on the exchange to the last file.processed. */
  seconds: number;
  photosPerSecond: number;
  /** Per photo, between one CompleteProcessing commit and the next (concurrency 1 only). */
  perPhotoMs: number[];
  /** How long the ConfirmUploads call of the whole batch took (the worker starts meanwhile). */
  confirmMs: number;
  /** CPU ms per photo over the batch: the worker, file, and this process (the S3 store). */
  cpuMsPerPhoto: { media: number; file: number; bench: number };
  /** media_job_duration_seconds over the batch: the worker's own time per photo, in ms. */
  jobMeanMs: number;
  /** Photos that did not end ready, with file's reason. */
  failed: string[];
  outputs: Outputs[];
}

/** Each photo through hangout's path up to the confirm: CreateUploads and its presigned PUT. */
export async function uploadPhotos(stack: WorkerStack, photos: Photo[], label: string) {
  const ids: string[] = [];
  for (let start = 0; start < photos.length; start += INTENTS_PER_CALL) {
    const batch = photos.slice(start, start + INTENTS_PER_CALL);
    const { uploads } = await stack.client.createUploads({
      intents: batch.map((photo) => ({
        filename: photo.name,
        contentType: "image/jpeg",
        size: photo.bytes.byteLength,
        sha256: sha256Base64(photo.bytes),
        ownerRef: `memory:bench-${label}`,
      })),
    });
    for (let i = 0; i < uploads.length; i += PUTS_IN_FLIGHT) {
      await Promise.all(
        uploads.slice(i, i + PUTS_IN_FLIGHT).map(async (upload, j) => {
          const response = await fetch(upload.url, {
            method: upload.method,
            headers: upload.headers,
            body: batch[i + j]!.bytes,
          });
          await response.arrayBuffer();
          if (response.status !== 200) throw new Error(`PUT of ${label}: ${response.status}`);
        }),
      );
    }
    ids.push(...uploads.map((upload) => upload.fileId));
  }
  return ids;
}

async function confirm(stack: WorkerStack, ids: string[]) {
  const calls: string[][] = [];
  for (let i = 0; i < ids.length; i += IDS_PER_CALL) calls.push(ids.slice(i, i + IDS_PER_CALL));
  const answers = await Promise.all(
    calls.map((fileIds) => stack.client.confirmUploads({ fileIds })),
  );
  const refused = answers.flatMap((a) => a.results).filter((r) => !r.confirmed);
  if (refused.length > 0) {
    throw new Error(`confirm refused: ${refused.map((r) => r.failureReason).join(", ")}`);
  }
}

/** The batch's timeout: far beyond any photo's time, so that only a stuck pipeline hits it. */
const waitMs = (photos: number) => 60_000 + photos * 10_000;

/** `photos` uploaded, then confirmed in one go; the worker drains them from its queue. */
export async function workerBatch(
  stack: WorkerStack,
  photos: Photo[],
  label: string,
): Promise<WorkerBatch> {
  const ids = await uploadPhotos(stack, photos, label);
  const pids = { media: stack.media.child.proc.pid, file: stack.file.child.proc.pid };
  const jobsBefore = await jobSeconds(stack.media.url);
  const cpuBefore = {
    media: procCpuSeconds(pids.media) ?? 0,
    file: procCpuSeconds(pids.file) ?? 0,
    bench: process.cpuUsage(),
  };
  const sent = wallMs();
  await confirm(stack, ids);
  const confirmMs = wallMs() - sent;
  await stack.listener.waitForProcessed(ids, waitMs(ids.length));
  const bench = process.cpuUsage(cpuBefore.bench);
  const cpuMs = {
    media: ((procCpuSeconds(pids.media) ?? 0) - cpuBefore.media) * 1000,
    file: ((procCpuSeconds(pids.file) ?? 0) - cpuBefore.file) * 1000,
    bench: (bench.user + bench.system) / 1000,
  };
  const jobsAfter = await jobSeconds(stack.media.url);
  const { uploaded, processed } = stack.listener;
  const first = Math.min(...ids.map((id) => uploaded.get(id)?.at ?? sent));
  const last = Math.max(...ids.map((id) => processed.get(id)!.at));
  const seconds = (last - first) / 1000;

  const rows = await fileRows(stack.fileDb.url, ids);
  const byCommit = rows
    .filter((row) => row.processedAt !== null)
    .sort((a, b) => a.processedAt!.getTime() - b.processedAt!.getTime());
  const firstCommit = Math.min(...rows.map((row) => row.uploadedAt?.getTime() ?? Infinity));
  const perPhotoMs =
    CONCURRENCY === 1
      ? byCommit.map(
          (row, i) =>
            row.processedAt!.getTime() -
            (i === 0 ? firstCommit : byCommit[i - 1]!.processedAt!.getTime()),
        )
      : [];
  return {
    photos: ids.length,
    seconds,
    photosPerSecond: ids.length / seconds,
    perPhotoMs,
    confirmMs,
    cpuMsPerPhoto: {
      media: cpuMs.media / ids.length,
      file: cpuMs.file / ids.length,
      bench: cpuMs.bench / ids.length,
    },
    jobMeanMs:
      ((jobsAfter.sum - jobsBefore.sum) / Math.max(1, jobsAfter.count - jobsBefore.count)) * 1000,
    failed: rows
      .filter((row) => row.status !== "READY")
      .map((row) => `${row.name}: ${row.status} ${row.failureReason ?? ""}`.trim()),
    outputs: rows.map(({ name, original, preview, thumbnail }) => ({
      name,
      original,
      preview,
      thumbnail,
    })),
  };
}

export interface AloneResult {
  /** From sending ConfirmUploads to file.processed on the exchange. */
  confirmToProcessedMs: number;
  /** From file.uploaded to file.processed, both on the exchange. */
  uploadedToProcessedMs: number;
}

/** One photo with the queue empty: what a member waits for after the upload. */
export async function photoAlone(
  stack: WorkerStack,
  photo: Photo,
  label: string,
): Promise<AloneResult> {
  const [id] = await uploadPhotos(stack, [photo], label);
  const sent = wallMs();
  await confirm(stack, [id!]);
  await stack.listener.waitForProcessed([id!], waitMs(1));
  const done = stack.listener.processed.get(id!)!;
  if (done.data.status !== "ready") {
    throw new Error(`${photo.name} alone: ${done.data.status} ${done.data.failureReason}`);
  }
  return {
    confirmToProcessedMs: done.at - sent,
    uploadedToProcessedMs: done.at - (stack.listener.uploaded.get(id!)?.at ?? sent),
  };
}

/** The worker's media_job_duration_seconds so far: sum and count. */
async function jobSeconds(mediaUrl: string) {
  const text = await (await fetch(`${mediaUrl}/metrics`)).text();
  const read = (suffix: string) =>
    Number(
      new RegExp(`^media_job_duration_seconds_${suffix}(?:\\{[^}]*\\})? (\\S+)`, "m").exec(
        text,
      )?.[1] ?? Number.NaN,
    );
  return { sum: read("sum"), count: read("count") };
}

/** file's rows of the batch: its own confirm and report timestamps, and the outputs' sizes. */
async function fileRows(databaseUrl: string, ids: string[]) {
  const pool = createPool(databaseUrl);
  try {
    const [rows] = await pool.query<RowDataPacket[]>(
      `SELECT filename, status, failure_reason, uploaded_at, processed_at,
              original_size, preview_size, thumbnail_size
         FROM files WHERE id IN (?)`,
      [ids],
    );
    return rows.map((row) => ({
      name: row.filename as string,
      status: row.status as string,
      failureReason: row.failure_reason as string | null,
      uploadedAt: row.uploaded_at as Date | null,
      processedAt: row.processed_at as Date | null,
      original: Number(row.original_size ?? 0),
      preview: Number(row.preview_size ?? 0),
      thumbnail: Number(row.thumbnail_size ?? 0),
    }));
  } finally {
    await pool.end();
  }
}
