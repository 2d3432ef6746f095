// The media section's inputs: 12-megapixel JPEGs made with sharp at the start of each run (no
// binary fixtures). Each looks like a photo to the encoders: a gradient sky, overlapping shapes
// with hard edges, a mid-scale texture and a fine sensor grain, so that the JPEG is the size of a
// phone's and the preview has detail to keep. Pure noise would be far harder to compress than
// any photo; a flat gradient far easier.
//
// bench/ is not a workspace package, so sharp comes from the media worker's own node_modules:
// the copy its pipeline loads.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import sharp from "../services/media/node_modules/sharp";

export const WIDTH = 4000;
export const HEIGHT = 3000;
/** A phone camera's usual quality. */
const JPEG_QUALITY = 90;
/** Distinct scenes; every photo adds its own grain, orientation and EXIF to one of them. */
const SCENES = 8;
/** Scenes are drawn this small and enlarged, which makes the soft edges and the texture. */
const SCENE_WIDTH = 500;
const SCENE_HEIGHT = 375;
/** Extra rows of grain, so that each photo reads it from its own offset. */
const GRAIN_ROWS = 64;

export interface Photo {
  name: string;
  bytes: Uint8Array;
  /** EXIF orientation: 6 (a phone held upright) for every fourth photo, 1 otherwise. */
  orientation: 1 | 6;
}

/** A photo's orientation: a quarter of them turned, as a phone held upright writes them. */
export const orientationOf = (index: number): 1 | 6 => (index % 4 === 3 ? 6 : 1);

/**
 * `count` JPEGs of WIDTH x HEIGHT with EXIF (camera, GPS, orientation), each with distinct bytes.
 * The enlarged scene is the slow step, so photos are made scene by scene, one scene in memory.
 */
export async function generatePhotos(count: number): Promise<Photo[]> {
  const grain = await sharp({
    create: {
      width: WIDTH,
      height: HEIGHT + GRAIN_ROWS,
      channels: 3,
      noise: { type: "gaussian", mean: 128, sigma: 6 },
      background: "#000",
    },
  })
    .raw()
    .toBuffer();
  const photos: Photo[] = new Array(count);
  for (let scene = 0; scene < Math.min(SCENES, count); scene++) {
    const pixels = await enlargedScene(scene + 1);
    for (let index = scene; index < count; index += SCENES) {
      const orientation = orientationOf(index);
      const bytes = await encode(withGrain(pixels, grain, index), orientation, index);
      photos[index] = { name: `photo-${String(index).padStart(3, "0")}.jpg`, bytes, orientation };
    }
  }
  return photos;
}

/** Writes the photos into `dir` under their names, for the bare pipeline's process. */
export async function writePhotos(dir: string, photos: Photo[]) {
  await mkdir(dir, { recursive: true });
  for (const photo of photos) await Bun.write(join(dir, photo.name), photo.bytes);
}

/** A small deterministic generator, so that a scene is the same from run to run. */
function random(seed: number) {
  let state = Math.imul(seed, 2654435761) >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

async function enlargedScene(seed: number) {
  const rnd = random(seed);
  const colour = () => [rnd() * 255, rnd() * 255, rnd() * 255];
  const [from, to] = [colour(), colour()];
  const shapes = Array.from({ length: 40 }, () => ({
    x: rnd() * SCENE_WIDTH,
    y: rnd() * SCENE_HEIGHT,
    r: 8 + rnd() * 60,
    colour: colour(),
  }));
  const texture = await sharp({
    create: {
      width: SCENE_WIDTH,
      height: SCENE_HEIGHT,
      channels: 3,
      noise: { type: "gaussian", mean: 128, sigma: 30 },
      background: "#000",
    },
  })
    .raw()
    .toBuffer();
  const small = new Uint8ClampedArray(SCENE_WIDTH * SCENE_HEIGHT * 3);
  for (let y = 0; y < SCENE_HEIGHT; y++) {
    for (let x = 0; x < SCENE_WIDTH; x++) {
      const t = (x / SCENE_WIDTH + y / SCENE_HEIGHT) / 2;
      let pixel = from.map((c, k) => c * (1 - t) + to[k]! * t);
      for (const shape of shapes) {
        const [dx, dy] = [x - shape.x, y - shape.y];
        if (dx * dx + dy * dy < shape.r * shape.r) pixel = shape.colour;
      }
      const at = (y * SCENE_WIDTH + x) * 3;
      for (let k = 0; k < 3; k++) small[at + k] = pixel[k]! + (texture[at + k]! - 128) * 0.4;
    }
  }
  return sharp(small, { raw: { width: SCENE_WIDTH, height: SCENE_HEIGHT, channels: 3 } })
    .resize(WIDTH, HEIGHT, { kernel: "cubic" })
    .raw()
    .toBuffer();
}

function withGrain(pixels: Buffer, grain: Buffer, index: number) {
  const offset = (((index * 7) % GRAIN_ROWS) * WIDTH + ((index * 131) % WIDTH)) * 3;
  const out = new Uint8ClampedArray(pixels.length);
  for (let i = 0; i < out.length; i++) out[i] = pixels[i]! + grain[offset + i]! - 128;
  return out;
}

async function encode(pixels: Uint8ClampedArray, orientation: number, index: number) {
  // EXIF's own date format, "YYYY:MM:DD HH:MM:SS".
  const taken = new Date(Date.UTC(2031, 5, 1, 12, 0, index)).toISOString().slice(0, 19);
  const data = await sharp(pixels, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
    .withMetadata({ orientation })
    .withExifMerge({
      IFD0: {
        Make: "Hangout Bench",
        Model: "12 MP",
        DateTime: taken.replace(/-/g, ":").replace("T", " "),
      },
      IFD3: {
        GPSLatitudeRef: "N",
        GPSLatitude: "48/1 51/1 2410/100",
        GPSLongitudeRef: "E",
        GPSLongitude: "2/1 21/1 720/100",
      },
    })
    .jpeg({ quality: JPEG_QUALITY })
    .toBuffer();
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
