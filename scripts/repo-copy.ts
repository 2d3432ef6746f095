/**
 * A throwaway copy of this repository for tests that run its scripts the way a developer does
 * (`bun scripts/dev.ts`, the secret scan): the files a commit would hold (tracked, plus new files
 * that are not ignored), and optionally node_modules linked rather than installed.
 */
import { cp, mkdir, mkdtemp, readdir, realpath, rm, stat, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";

export const REPO_ROOT = resolve(import.meta.dir, "..");

export interface RepoCopy {
  dir: string;
  remove(): Promise<void>;
}

/** Paths (relative to the repository) of the files a commit of the working tree would hold. */
export function committableFiles(): string[] {
  const listing = Bun.spawnSync(
    ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
    { cwd: REPO_ROOT, stdout: "pipe", stderr: "pipe" },
  );
  if (listing.exitCode !== 0) throw new Error(`git ls-files failed: ${listing.stderr.toString()}`);
  return listing.stdout.toString().split("\0").filter(Boolean);
}

export async function copyRepository(
  options: { linkNodeModules?: boolean } = {},
): Promise<RepoCopy> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), "hangout-copy-")));
  for (const file of committableFiles()) {
    const from = join(REPO_ROOT, file);
    // Tracked but deleted in the working tree: a commit would not hold it either.
    if (!(await stat(from).catch(() => undefined))) continue;
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await cp(from, join(dir, file), { preserveTimestamps: true });
  }
  if (options.linkNodeModules) await linkNodeModules(dir);
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Bun's isolated install keeps every package in node_modules/.bun and gives the root and each
 * workspace a node_modules of links into it; links to a workspace package (@hangout/platform)
 * must lead to the copy's package, so the copy runs its own sources, not the original's.
 */
async function linkNodeModules(copy: string): Promise<void> {
  const manifest = await Bun.file(join(REPO_ROOT, "package.json")).json();
  const workspaces = [""];
  for (const pattern of manifest.workspaces as string[]) {
    for await (const match of new Bun.Glob(`${pattern}/package.json`).scan({ cwd: copy })) {
      workspaces.push(dirname(match));
    }
  }
  for (const workspace of workspaces) {
    const from = join(REPO_ROOT, workspace, "node_modules");
    if (await stat(from).catch(() => undefined))
      await mirror(from, join(copy, workspace, "node_modules"), copy);
  }
}

async function mirror(from: string, to: string, copy: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    if (entry.name.startsWith("@") && entry.isDirectory()) {
      await mirror(source, join(to, entry.name), copy);
      continue;
    }
    const target = await realpath(source);
    const inRepo = target.startsWith(REPO_ROOT + sep);
    const isWorkspace = inRepo && !relative(REPO_ROOT, target).split(sep).includes("node_modules");
    await symlink(
      isWorkspace ? join(copy, relative(REPO_ROOT, target)) : target,
      join(to, entry.name),
    );
  }
}
