// The media section's yardstick, run as its own process so that its memory is its own: a bare
// sharp pipeline making the worker's three outputs from the same photos, with nothing around it
// (no broker, no object store, no gRPC, no placeholder). Per photo: read the file, one decode
// turned upright, then at once the metadata-free original (the worker's segment strip for an
// upright JPEG, a JPEG re-encode from the decoded pixels for a turned one), the WebP preview and
// the WebP thumbnail, with the worker's sizes and qualities.
//   BENCH_MEDIA_PHOTOS=<dir> BENCH_MEDIA_RESULT=<file.json> bun bench/media-bare.ts
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import sharp, { type ResizeOptions, type SharpOptions } from "../services/media/node_modules/sharp";
import { PREVIEW_MAX_SIDE, THUMBNAIL_MAX_SIDE } from "../services/media/src/pipeline/index.ts";
import { stripJpegMetadata } from "../services/media/src/pipeline/strip-jpeg.ts";

/** The worker's own settings: process-photo.ts (WebP qualities) and original.ts (turned JPEG). */
const PREVIEW_QUALITY = 80;
const THUMBNAIL_QUALITY = 75;
const ROTATED_JPEG_QUALITY = 92;
/** The worker's input options that change the work (process-photo.ts). */
const INPUT = {
  failOn: "error",
  limitInputPixels: 50_000_000,
  sequentialRead: true,
} as const satisfies SharpOptions;

/** As in the worker: no decoded image is kept between photos. */
sharp.cache(false);

export interface BareOutputs {
  name: string;
  original: number;
  preview: number;
  thumbnail: number;
}

export interface BareResult {
  /** Per photo, in the order of the names: read, decode and the three outputs, in ms. */
  perPhotoMs: number[];
  /** From the first photo's read to the last photo's outputs. */
  seconds: number;
  /** This process's CPU (user + system) over those seconds. */
  cpuSeconds: number;
  /** VmHWM at the end, in kB: the warm-up and every photo. */
  peakKb: number;
  outputs: BareOutputs[];
}

const within = (side: number): ResizeOptions => ({
  width: side,
  height: side,
  fit: "inside",
  withoutEnlargement: true,
});

async function threeOutputs(bytes: Uint8Array) {
  const { orientation = 1 } = await sharp(bytes, INPUT).metadata();
  const frame = await sharp(bytes, INPUT).autoOrient().raw().toBuffer({ resolveWithObject: true });
  const { width, height, channels } = frame.info;
  const fromFrame = () => sharp(frame.data, { raw: { width, height, channels } });
  const [original, preview, thumbnail] = await Promise.all([
    orientation === 1
      ? stripJpegMetadata(bytes)
      : fromFrame().jpeg({ quality: ROTATED_JPEG_QUALITY }).toBuffer(),
    fromFrame().resize(within(PREVIEW_MAX_SIDE)).webp({ quality: PREVIEW_QUALITY }).toBuffer(),
    fromFrame().resize(within(THUMBNAIL_MAX_SIDE)).webp({ quality: THUMBNAIL_QUALITY }).toBuffer(),
  ]);
  return {
    original: original.byteLength,
    preview: preview.byteLength,
    thumbnail: thumbnail.byteLength,
  };
}

/** Every photo in `dir`, `concurrency` at a time (each photo's outputs are made at once). */
async function runBare(dir: string, warmup: number, concurrency: number): Promise<BareResult> {
  const names = (await readdir(dir)).filter((name) => name.endsWith(".jpg")).sort();
  const one = async (name: string) =>
    threeOutputs(new Uint8Array(await Bun.file(join(dir, name)).arrayBuffer()));
  for (const name of names.slice(0, warmup)) await one(name);

  const perPhotoMs: number[] = new Array(names.length);
  const outputs: BareOutputs[] = new Array(names.length);
  let next = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < names.length) {
        const index = next++;
        const name = names[index]!;
        const photoStarted = performance.now();
        const sizes = await one(name);
        perPhotoMs[index] = performance.now() - photoStarted;
        outputs[index] = { name, ...sizes };
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const status = await Bun.file("/proc/self/status").text();
  return {
    perPhotoMs,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    peakKb: Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0),
    outputs,
  };
}

if (import.meta.main) {
  const dir = process.env.BENCH_MEDIA_PHOTOS;
  const resultFile = process.env.BENCH_MEDIA_RESULT;
  if (!dir || !resultFile) throw new Error("BENCH_MEDIA_PHOTOS and BENCH_MEDIA_RESULT must be set");
  const result = await runBare(
    dir,
    Number(process.env.BENCH_MEDIA_WARMUP ?? 2),
    Number(process.env.BENCH_MEDIA_CONCURRENCY ?? 1),
  );
  await Bun.write(resultFile, JSON.stringify(result));
}
