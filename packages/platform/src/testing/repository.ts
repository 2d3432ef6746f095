/**
 * The repository's own files, for the tests that check them without running them (compose,
 * telemetry, the edge): where the repository is, reading a file as text or YAML, every file
 * under a folder, and running a tool that must be installed.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { repoRoot } from "../db.ts";

export const ROOT = join(repoRoot);

// biome-ignore lint/suspicious/noExplicitAny: test navigation through parsed YAML/JSON documents
export type Any = any;

/** A file of the repository, by its path from the root. */
export const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

/** A YAML file of the repository: duplicate keys refused, merge keys (`<<:`) applied. */
export const yamlFile = (path: string): Any =>
  parseYaml(read(path), { uniqueKeys: true, merge: true });

export function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** Runs a command; fails the test with an install hint when the tool is missing. */
export function runTool(cmd: string[], installHint: string, cwd = ROOT) {
  const exe = Bun.which(cmd[0]!);
  if (!exe) {
    throw new Error(
      `${cmd[0]} not found on PATH: ${installHint} (the test does not skip without it)`,
    );
  }
  const proc = Bun.spawnSync([exe, ...cmd.slice(1)], { cwd, stdout: "pipe", stderr: "pipe" });
  return {
    exitCode: proc.exitCode,
    output: `${proc.stdout.toString()}${proc.stderr.toString()}`,
  };
}
