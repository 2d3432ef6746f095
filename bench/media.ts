import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type LogSummary,
  peakRssMb,
  positiveInteger,
  procStatusKb,
  runAlone,
  sampleRss,
  spawnChild,
  stopChild,
  summarizeLog,
} from "./common.ts";
import type { BareResult } from "./media-bare.ts";
import { type AloneResult, photoAlone, workerBatch } from "./media-batch.ts";
import { generatePhotos, HEIGHT, WIDTH, writePhotos } from "./media-photos.ts";
import { type MediaRound, report } from "./media-report.ts";
import { CONCURRENCY, startWorkerStack } from "./media-worker.ts";
import { sinkStats } from "./report.ts";
import { runScoped } from "./scope.ts";
import { runningEnv } from "./services.ts";

// The media section: 12-megapixel JPEGs through the photo worker (file and media as production
// runs them: download from the quarantine, decode, three outputs, upload, report over mTLS)
// against a bare sharp pipeline making the same three outputs in one process, in interleaved
// rounds of the same photos; photos per second, per-photo times and the worker's peak RSS.

const BENCH = new URL("./", import.meta.url).pathname;

/**
 * Photos per round, the same ones in every round; short rounds and more of them, so that the two
 * halves of a round are measured close together on a machine whose speed drifts.
 */
export const PHOTOS = positiveInteger("BENCH_MEDIA_PHOTOS", 20);
export const MEDIA_ROUNDS = positiveInteger("BENCH_MEDIA_ROUNDS", 4);
/** Photos sent one at a time, after the rounds, for a single photo's wait. */
export const ALONE = positiveInteger("BENCH_MEDIA_ALONE", 5);
/** Photos each pipeline makes before it is measured (JIT, libvips, connections). */
const WARMUP = 2;

export async function runMediaBench() {
  await runScoped("media", async (scope) => {
    const { logDir } = scope;
    console.log(
      `bench media: ${PHOTOS} JPEGs of ${WIDTH}x${HEIGHT} (a quarter EXIF orientation 6) per round, ` +
        `${MEDIA_ROUNDS} rounds of bare pipeline and worker in turn, ${CONCURRENCY} photo(s) at a time, ` +
        `after ${WARMUP} warm-up photos each; then ${ALONE} photos one at a time; logs in ${logDir}`,
    );
    const generated = performance.now();
    // Made while the services build and start: both wait on other things much of the time.
    const generating = generatePhotos(PHOTOS);
    generating.catch(() => undefined);
    const { url: otlpUrl } = await scope.otlpSink();
    const stack = await startWorkerStack(scope, runningEnv(otlpUrl));
    // Before any photo: what the service itself holds.
    const mediaStartKb = procStatusKb(stack.media.child.proc.pid, "VmRSS") ?? 0;
    const photos = await generating;
    const photoDir = join(logDir, "photos");
    await writePhotos(photoDir, photos);
    const meanMb = photos.reduce((sum, p) => sum + p.bytes.byteLength, 0) / photos.length / 1e6;
    console.log(
      `  ${photos.length} photos made in ${((performance.now() - generated) / 1000).toFixed(1)} s ` +
        `(alongside the start-up), ${meanMb.toFixed(2)} MB each on average; S3 store on ${stack.s3.endpoint}; ` +
        `scanner: ${stack.scanner}\n` +
        `  file pid ${stack.file.child.proc.pid}: ${stack.file.describe}\n` +
        `  media pid ${stack.media.child.proc.pid}: ${stack.media.describe}`,
    );

    for (let i = 0; i < WARMUP; i++)
      await photoAlone(stack, photos[i % photos.length]!, `warm-${i}`);
    const mediaPid = stack.media.child.proc.pid;
    const sampler = sampleRss(mediaPid);
    const rounds: MediaRound[] = [];
    let barePeakKb = 0;
    for (let r = 0; r < MEDIA_ROUNDS; r++) {
      // The order turns every round, so that a slow minute does not always hit the same side.
      const bareFirst = r % 2 === 0;
      let bare: BareResult | undefined;
      let worker: Awaited<ReturnType<typeof workerBatch>> | undefined;
      for (const side of bareFirst ? ["bare", "worker"] : ["worker", "bare"]) {
        if (side === "bare") bare = await runBare(logDir, photoDir, r + 1);
        else worker = await workerBatch(stack, photos, `round-${r + 1}`);
      }
      barePeakKb = Math.max(barePeakKb, bare!.peakKb);
      rounds.push({
        order: bareFirst ? "bare, worker" : "worker, bare",
        bare: bare!,
        worker: worker!,
      });
      console.log(
        `  round ${r + 1}: bare ${(photos.length / bare!.seconds).toFixed(2)} photos/s, ` +
          `worker ${worker!.photosPerSecond.toFixed(2)} photos/s`,
      );
    }
    const alone: AloneResult[] = [];
    for (let i = 0; i < ALONE; i++) {
      alone.push(await photoAlone(stack, photos[i % photos.length]!, `alone-${i}`));
    }
    const memory = {
      mediaPeakMb: peakRssMb(mediaPid, [sampler.stop()]),
      mediaStartMb: mediaStartKb / 1024,
      filePeakMb: peakRssMb(stack.file.child.proc.pid),
      barePeakMb: barePeakKb / 1024,
    };

    const spans = await sinkStats(otlpUrl);
    const logs: [string, LogSummary, number | null][] = [];
    for (const service of [stack.media, stack.file]) {
      const exit = await stopChild(service.child);
      logs.push([service.child.name, await summarizeLog(service.child.logs), exit]);
    }
    report({ photos, rounds, alone, memory, spans, logs });
  });
}

/** One round of the bare pipeline in a process of its own (bench/media-bare.ts). */
async function runBare(logDir: string, photoDir: string, round: number): Promise<BareResult> {
  const resultFile = join(logDir, `bare-${round}.json`);
  const child = spawnChild(
    `bare-${round}`,
    ["bun", join(BENCH, "media-bare.ts")],
    {
      BENCH_MEDIA_PHOTOS: photoDir,
      BENCH_MEDIA_RESULT: resultFile,
      BENCH_MEDIA_WARMUP: String(WARMUP),
      BENCH_MEDIA_CONCURRENCY: String(CONCURRENCY),
    },
    logDir,
  );
  const code = await child.proc.exited;
  await stopChild(child);
  if (code !== 0) {
    const stderr = await readFile(child.logs.replace(/\.log$/, ".err.log"), "utf8").catch(() => "");
    throw new Error(`the bare pipeline exited with ${code}\n${stderr.slice(-2000)}`);
  }
  return JSON.parse(await readFile(resultFile, "utf8")) as BareResult;
}

if (import.meta.main) await runAlone(runMediaBench);
