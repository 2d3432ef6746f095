/**
 * Both images install with `bun install --frozen-lockfile`, which fails when a workspace the
 * lockfile names is missing: each Dockerfile's manifests stage must copy every workspace's
 * package.json (no Docker engine runs here to find out by building).
 */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { REPO_ROOT } from "./repo-copy.ts";

const read = (file: string) => Bun.file(join(REPO_ROOT, file)).text();

/** The top-level folders the root package.json's workspaces live in ("services/*" → services). */
async function workspaceFolders(): Promise<string[]> {
  const manifest = (await Bun.file(join(REPO_ROOT, "package.json")).json()) as {
    workspaces: string[];
  };
  return [...new Set(manifest.workspaces.map((pattern) => pattern.split("/")[0]!))].sort();
}

for (const dockerfile of ["Dockerfile", "web/Dockerfile"]) {
  test(`${dockerfile} copies the manifest of every workspace before its frozen install`, async () => {
    const find = /find ((?:[\w-]+ )+)-name package\.json/.exec(await read(dockerfile));
    expect(find).not.toBeNull();
    const copied = find![1]!.trim().split(" ").sort();
    expect(copied).toEqual(await workspaceFolders());
  });
}
