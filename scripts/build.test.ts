import { afterAll, expect, test } from "bun:test";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decode } from "@jridgewell/sourcemap-codec";
import { buildService, bundle, INSTALLED, ROOT, SERVICES } from "./build.ts";

const outdir = await mkdtemp(join(tmpdir(), "build-test-"));
afterAll(() => rm(outdir, { recursive: true, force: true }));

test("a bundle's source map maps the repository's code and nothing of its libraries", async () => {
  const fixture = join(import.meta.dir, "fixtures", "throws.ts");
  await bundle(fixture, outdir);

  const map = await Bun.file(join(outdir, "throws.js.map")).json();
  const sources = map.sources as string[];
  expect(sources).toContainEqual(expect.stringContaining("scripts/fixtures/throws.ts"));
  expect(sources).toContainEqual(expect.stringContaining("node_modules/yaml/"));
  const mapped = decode(map.mappings)
    .flat()
    .filter((segment) => segment.length > 1)
    .map((segment) => sources[segment[1] as number]);
  expect(mapped.length).toBeGreaterThan(0);
  expect(mapped.filter((source) => source?.includes("node_modules/"))).toEqual([]);
  expect(map.sourcesContent).toEqual(sources.map(() => null));

  // The library ran, and the stack trace still points into the source file, at the throw.
  const run = Bun.spawnSync(["bun", join(outdir, "throws.js")], { stderr: "pipe" });
  const stack = run.stdout.toString();
  expect(stack).toContain('from the fixture: {"library":"called"}');
  expect(stack).toContain(`${fixture}:6:`);
  expect(run.stderr.toString()).not.toContain("sourcemap");
});

test("every service with an entry point is built, and nothing else", async () => {
  const folders = await readdir(join(ROOT, "services"));
  const entries: string[] = [];
  for (const name of folders) {
    if (await Bun.file(join(ROOT, "services", name, "src", "main.ts")).exists()) entries.push(name);
  }
  expect((SERVICES as readonly string[]).toSorted()).toEqual(entries.sort());
});

test("sharp is imported from where it is installed, and works from a bundle's folder", async () => {
  const main = await Bun.file(await buildService("media", outdir)).text();
  const imports = [...main.matchAll(/from\s*"([^"]+)"/g)].map((match) => match[1]!);
  const installed = [
    ...new Set(imports.filter((path) => INSTALLED.some((name) => path.includes(`/${name}/`)))),
  ];
  expect(installed).toEqual([expect.stringMatching(/node_modules\/sharp\/dist\/index\.mjs$/)]);
  // sharp's own loader, which fails when inlined, is not in the bundle
  expect(main).not.toContain("sharp-linux-x64/sharp.node");

  // From a folder with no node_modules above it, as the bundle runs: the addon and libvips load.
  const script = `const { default: sharp } = await import(${JSON.stringify(installed[0])});
    const png = await sharp({ create: { width: 3, height: 2, channels: 3, background: "#000" } }).png().toBuffer();
    const { format, width, height } = await sharp(png).metadata();
    console.log(JSON.stringify({ format, width, height }));`;
  const run = Bun.spawnSync(["bun", "-e", script], { cwd: join(outdir, "media"), stderr: "pipe" });
  expect({ out: run.stdout.toString().trim(), err: run.stderr.toString() }).toEqual({
    out: JSON.stringify({ format: "png", width: 3, height: 2 }),
    err: "",
  });
}, 60_000);
