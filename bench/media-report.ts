import { ascending, fmtMs, type LogSummary, median, pct, quantile, table } from "./common.ts";
import type { BareResult } from "./media-bare.ts";
import type { AloneResult, Outputs, WorkerBatch } from "./media-batch.ts";
import type { Photo } from "./media-photos.ts";
import { CONCURRENCY } from "./media-worker.ts";
import {
  fmtRatio,
  printProblems,
  printServiceLog,
  printTelemetry,
  ratioTarget,
  roundRatios,
  type SinkStats,
  targetsTable,
  verdict,
} from "./report.ts";

// The media section's tables: the worker against the bare pipeline round by round, where the
// worker's CPU goes, one photo's wait, whether both made the same outputs, and the two targets.

export const TARGETS = {
  /** The worker's photos/s over the bare pipeline's, per round. */
  throughputToBare: 0.8,
  /** VmHWM of the media process over the whole run. */
  peakRssMb: 400,
};

export interface MediaRound {
  order: "bare, worker" | "worker, bare";
  bare: BareResult;
  worker: WorkerBatch;
}

export interface MediaReport {
  photos: Photo[];
  rounds: MediaRound[];
  alone: AloneResult[];
  memory: { mediaPeakMb: number; mediaStartMb: number; filePeakMb: number; barePeakMb: number };
  spans: SinkStats | undefined;
  logs: [string, LogSummary, number | null][];
}

const bareRate = (round: MediaRound) => round.bare.perPhotoMs.length / round.bare.seconds;
const f2 = (value: number) => value.toFixed(2);

export function report(result: MediaReport) {
  const { rounds, memory } = result;
  const ratios = roundRatios(rounds.map((r) => r.worker.photosPerSecond / bareRate(r)));
  const bare = median(rounds.map(bareRate));
  const worker = median(rounds.map((r) => r.worker.photosPerSecond));
  const bareMs = ascending(rounds.flatMap((r) => r.bare.perPhotoMs));
  const workerMs = ascending(rounds.flatMap((r) => r.worker.perPhotoMs));
  const invalid = rounds.some((r) => r.worker.failed.length > 0);
  const flag = invalid ? " (!)" : "";

  console.log("");
  console.log(
    table(
      [
        "pipeline",
        "photos/s",
        "rounds",
        "p50 ms",
        "p99 ms",
        "CPU ms/photo",
        "peak RSS MB",
        "ratio",
      ],
      [
        [
          "bare sharp, one process",
          f2(bare),
          rounds.map((r) => f2(bareRate(r))).join(" / "),
          fmtMs(quantile(bareMs, 0.5)),
          fmtMs(quantile(bareMs, 0.99)),
          median(rounds.map((r) => (r.bare.cpuSeconds * 1000) / r.bare.perPhotoMs.length)).toFixed(
            0,
          ),
          memory.barePeakMb.toFixed(1),
          "1.00",
        ],
        [
          `worker: file + media${flag}`,
          f2(worker),
          rounds.map((r) => f2(r.worker.photosPerSecond)).join(" / "),
          fmtMs(quantile(workerMs, 0.5)),
          fmtMs(quantile(workerMs, 0.99)),
          median(rounds.map((r) => r.worker.cpuMsPerPhoto.media)).toFixed(0),
          memory.mediaPeakMb.toFixed(1),
          `${fmtRatio(worker / bare)} (rounds ${fmtRatio(ratios.min)}-${fmtRatio(ratios.max)})`,
        ],
      ],
      ["l", "r", "r", "r", "r", "r", "r", "r"],
    ),
  );
  console.log(
    `(photos/s: the median of ${rounds.length} rounds of ${rounds[0]?.worker.photos} photos, ${CONCURRENCY} at a time; ` +
      "bare: from the first read to the last output; worker: from the first file.uploaded to the last " +
      "file.processed on the exchange. p50/p99 over every photo of every round; bare: one photo's read, " +
      `decode and three outputs; worker: ${CONCURRENCY === 1 ? "from one CompleteProcessing commit to the next, the queue never empty (its download, decode, outputs, uploads, report, ack and the next delivery; the first from the first confirm)" : "not measured above one photo at a time"}. ` +
      "CPU: the bare process's; the media process's. Peak RSS: VmHWM (bare: the highest of its processes))",
  );

  console.log("");
  console.log(
    table(
      [
        "round",
        "order",
        "bare photos/s",
        "worker photos/s",
        "worker / bare",
        "confirm ms",
        "job mean ms",
        "CPU ms/photo media / file / bench",
      ],
      rounds.map((r, i) => [
        String(i + 1),
        r.order,
        f2(bareRate(r)),
        `${f2(r.worker.photosPerSecond)}${r.worker.failed.length ? " (!)" : ""}`,
        fmtRatio(ratios.ratios[i]!),
        r.worker.confirmMs.toFixed(0),
        r.worker.jobMeanMs.toFixed(0),
        [r.worker.cpuMsPerPhoto.media, r.worker.cpuMsPerPhoto.file, r.worker.cpuMsPerPhoto.bench]
          .map((v) => v.toFixed(0))
          .join(" / "),
      ]),
      ["r", "l", "r", "r", "r", "r", "r", "r"],
    ),
  );
  console.log(
    "(confirm ms: the one ConfirmUploads of the batch, which reads and hashes every upload while the " +
      "worker starts; job mean: media_job_duration_seconds over the batch, the worker's own time from " +
      "taking a photo to file's answer; bench = this process: the S3 store, the listener)",
  );

  const alone = result.alone;
  if (alone.length > 0) {
    const e2e = ascending(alone.map((a) => a.confirmToProcessedMs));
    const uploaded = ascending(alone.map((a) => a.uploadedToProcessedMs));
    console.log(
      `one photo alone (${alone.length}, the queue empty): ConfirmUploads sent -> file.processed p50 ` +
        `${fmtMs(quantile(e2e, 0.5))} ms, max ${fmtMs(e2e.at(-1)!)}; file.uploaded -> file.processed ` +
        `p50 ${fmtMs(quantile(uploaded, 0.5))} ms, max ${fmtMs(uploaded.at(-1)!)}`,
    );
  }
  printOutputs(result.photos, rounds.at(-1));
  console.log(
    `media's RSS once ready, before any photo: ${memory.mediaStartMb.toFixed(1)} MB; ` +
      `file's peak RSS: ${memory.filePeakMb.toFixed(1)} MB`,
  );

  console.log("");
  console.log(
    targetsTable([
      ratioTarget(
        `worker photos/s >= ${TARGETS.throughputToBare * 100}% of the bare pipeline`,
        ratios,
        TARGETS.throughputToBare,
        `${pct(worker / bare)}: ${f2(worker)} / ${f2(bare)}`,
        invalid,
      ),
      [
        `worker peak RSS < ${TARGETS.peakRssMb} MB`,
        `${memory.mediaPeakMb.toFixed(1)} MB (media's VmHWM)`,
        verdict(memory.mediaPeakMb < TARGETS.peakRssMb, invalid),
      ],
    ]),
  );
  printTelemetry(result.spans);
  for (const [name, log, exit] of result.logs) printServiceLog(name, log, exit);
  printProblems(
    [],
    rounds.flatMap((r, i) => r.worker.failed.map((f) => `round ${i + 1}: ${f}`)),
    "problems: none (every photo ready)",
  );
}

/**
 * Whether the two pipelines did the same work: their WebP outputs come from the same upright
 * pixels with the same settings, so their sizes match byte for byte, as do the stripped
 * originals of the upright photos. A mismatch means the bench no longer mirrors the worker.
 */
function printOutputs(photos: Photo[], round: MediaRound | undefined) {
  if (!round) return;
  const bare = new Map(round.bare.outputs.map((o) => [o.name, o]));
  const upright = new Set(photos.filter((p) => p.orientation === 1).map((p) => p.name));
  const differ = round.worker.outputs.filter((o) => {
    const b = bare.get(o.name);
    return (
      !b ||
      b.preview !== o.preview ||
      b.thumbnail !== o.thumbnail ||
      (upright.has(o.name) && b.original !== o.original)
    );
  });
  const mean = (pick: (o: Outputs) => number) =>
    round.worker.outputs.reduce((sum, o) => sum + pick(o), 0) / round.worker.outputs.length;
  const input = photos.reduce((sum, p) => sum + p.bytes.byteLength, 0) / photos.length;
  console.log(
    `outputs (mean): upload ${(input / 1e6).toFixed(2)} MB -> original ${(mean((o) => o.original) / 1e6).toFixed(2)} MB, ` +
      `preview ${(mean((o) => o.preview) / 1e3).toFixed(0)} KB, thumbnail ${(mean((o) => o.thumbnail) / 1e3).toFixed(1)} KB; ` +
      (differ.length === 0
        ? `the same sizes from both pipelines for all ${round.worker.outputs.length} photos`
        : `WARNING: ${differ.length} photos' outputs differ in size between the pipelines (${differ
            .slice(0, 3)
            .map((o) => o.name)
            .join(", ")}): the bare pipeline no longer does the worker's work`),
  );
}
