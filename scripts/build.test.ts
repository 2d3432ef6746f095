import { afterAll, expect, test } from "bun:test";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decode } from "@jridgewell/sourcemap-codec";
import { bundle, ROOT, SERVICES } from "./build.ts";

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
