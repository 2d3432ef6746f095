/**
 * Production build: one minified bundle per service, `dist/<service>/main.js`, beside the files
 * it loads at run time (Swagger UI's assets, argon2's native addon) and a linked source map so
 * stack traces name our sources (only ours: see `ownCodeOnly`). The image runs these (Dockerfile,
 * docker-compose.yml) and `bun run bench` measures them: a bundle holds less code in memory than
 * the modules it replaces (docs/decisions/0005-production-bundles.md).
 *
 * A bundle is built where it runs, beside the repository's node_modules (the image builds its
 * own): a few dependencies keep their install paths for files they load lazily, and sharp (see
 * `INSTALLED`) is not bundled at all but imported from where it is installed.
 *
 *   bun scripts/build.ts [service…]      (every service when none is named)
 */
import { rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { decode, encode, type SourceMapSegment } from "@jridgewell/sourcemap-codec";
import type { BunPlugin } from "bun";

export const SERVICES = ["auth", "file", "hangout", "media", "notification"] as const;
export type Service = (typeof SERVICES)[number];

export const ROOT = join(import.meta.dir, "..");

/** Builds `<outRoot>/<service>/main.js` (outRoot: the repository's dist/) and returns its path. */
export async function buildService(service: Service, outRoot = join(ROOT, "dist")) {
  const outdir = join(outRoot, service);
  await rm(outdir, { recursive: true, force: true });
  await bundle(join(ROOT, "services", service, "src", "main.ts"), outdir);
  return join(outdir, "main.js");
}

/**
 * Packages a bundle imports by their absolute install path instead of carrying them. sharp (the
 * media worker's image library) loads its native addon with a require relative to its own file,
 * and that addon finds libvips by an rpath relative to the addon's: inlined, sharp looks for
 * `@img/sharp-<platform>` beside the bundle and fails at the first photo; a copied addon would
 * lose libvips. Imported where bun installed it, both resolve as they do from the sources.
 */
export const INSTALLED = ["sharp"] as const;

const importInstalled: BunPlugin = {
  name: "import-installed",
  setup(build) {
    const names = new RegExp(`^(${INSTALLED.join("|")})$`);
    build.onResolve({ filter: names }, (args) => ({
      path: Bun.resolveSync(args.path, dirname(args.importer)),
      external: true,
    }));
  },
};

/** Bundles one entry point into `outdir` the way every service is bundled. */
export async function bundle(entrypoint: string, outdir: string) {
  const result = await Bun.build({
    entrypoints: [entrypoint],
    outdir,
    target: "bun",
    // Identifiers are kept: logs and spans name errors by their class (pino's err.type, jose's
    // error names), and renamed classes would be single letters (Bun 1.4.5 ignores keepNames).
    // What that costs: docs/decisions/0005-production-bundles.md.
    minify: { whitespace: true, syntax: true, identifiers: false },
    sourcemap: "linked",
    plugins: [importInstalled],
  });
  if (!result.success) throw new AggregateError(result.logs, `bundling ${entrypoint} failed`);
  for (const output of result.outputs) {
    if (output.kind === "sourcemap") await ownCodeOnly(output.path);
  }
}

/**
 * Narrows a source map to the repository's own code: segments in libraries' code become unmapped
 * (one per run of library code), and the copies of the sources go. Stack frames in our code still
 * name the source file and line (build.test.ts); frames in a library name the bundle's position
 * and the function. Why: a process reads its map at start-up (pino looks up its caller's file
 * with util.getCallSites) and keeps it decoded, and nearly all of the whole bundle's map was
 * node_modules (docs/decisions/0008-runtime-memory-tuning.md). Bun rejects a map without
 * `sourcesContent`, so each entry becomes null.
 */
async function ownCodeOnly(path: string) {
  const map = await Bun.file(path).json();
  const own = (map.sources as string[]).map((source) => !source.includes("node_modules/"));
  const lines = decode(map.mappings).map((segments) => {
    const kept: SourceMapSegment[] = [];
    let inLibrary = false;
    for (const segment of segments) {
      if (segment.length > 1 && own[segment[1] as number]) {
        kept.push(segment);
        inLibrary = false;
      } else if (!inLibrary) {
        kept.push([segment[0]]);
        inLibrary = true;
      }
    }
    return kept;
  });
  map.mappings = encode(lines);
  map.sourcesContent = map.sources.map(() => null);
  await Bun.write(path, JSON.stringify(map));
}

if (import.meta.main) {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((name) => !(SERVICES as readonly string[]).includes(name));
  if (unknown.length) {
    console.error(`build: unknown service ${unknown.join(", ")} (known: ${SERVICES.join(", ")})`);
    process.exit(2);
  }
  for (const service of (asked.length ? asked : SERVICES) as Service[]) {
    const started = performance.now();
    const path = await buildService(service);
    const mb = (Bun.file(path).size / 1e6).toFixed(2);
    const ms = Math.round(performance.now() - started);
    console.log(`${service}: ${path.slice(ROOT.length + 1)} (${mb} MB) in ${ms} ms`);
  }
}
