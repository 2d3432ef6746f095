/**
 * Production build: one minified bundle per service, `dist/<service>/main.js`, beside the files
 * it loads at run time (Swagger UI's assets, argon2's native addon) and a linked source map so
 * stack traces name the sources. The image runs these (Dockerfile, docker-compose.yml) and
 * `bun run bench` measures them: a bundle holds ~20 MB less code in memory than the ~1,500
 * modules it replaces (README, "Running with Docker").
 *
 * A bundle is built where it runs, beside the repository's node_modules (the image builds its
 * own): a few dependencies keep their install paths for files they load lazily.
 *
 *   bun scripts/build.ts [service…]      (every service when none is named)
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";

export const SERVICES = ["auth", "file", "hangout"] as const;
export type Service = (typeof SERVICES)[number];

export const ROOT = join(import.meta.dir, "..");

/** Builds `<outRoot>/<service>/main.js` (outRoot: the repository's dist/) and returns its path. */
export async function buildService(service: Service, outRoot = join(ROOT, "dist")) {
  const outdir = join(outRoot, service);
  await rm(outdir, { recursive: true, force: true });
  const result = await Bun.build({
    entrypoints: [join(ROOT, "services", service, "src", "main.ts")],
    outdir,
    target: "bun",
    // Identifiers are kept: logs and spans name errors by their class (pino's err.type, jose's
    // error names), and renamed classes would be single letters (Bun 1.4.5 ignores keepNames).
    // Keeping them costs ~2 MB of the ~20 MB a bundle saves.
    minify: { whitespace: true, syntax: true, identifiers: false },
    sourcemap: "linked",
  });
  if (!result.success) throw new AggregateError(result.logs, `bundling ${service} failed`);
  return join(outdir, "main.js");
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
