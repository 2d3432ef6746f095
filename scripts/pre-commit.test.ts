/**
 * The pre-commit hook (lefthook.yml, installed by scripts/install-hooks.sh from `bun install`)
 * in a temporary repository: a staged file with a Biome error blocks the commit, the same file
 * fixed goes through. The project there is one small file, so the hook's typecheck stays quick.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "./repo-copy.ts";

let dir: string;
// Nothing from an outer git or lefthook run (e.g. this test under a hook) may leak in.
const env = Object.fromEntries(
  Object.entries(process.env).filter(
    ([key]) => !key.startsWith("GIT_") && !key.startsWith("LEFTHOOK"),
  ),
);

function run(...command: string[]) {
  const result = Bun.spawnSync(command, {
    cwd: dir,
    env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  return { code: result.exitCode, output: result.stdout.toString() + result.stderr.toString() };
}

function mustRun(...command: string[]) {
  const result = run(...command);
  if (result.code !== 0) throw new Error(`${command.join(" ")} failed:\n${result.output}`);
  return result;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hangout-hooks-"));
  for (const file of ["lefthook.yml", "biome.json", "package.json", "tsconfig.json"]) {
    await Bun.write(join(dir, file), Bun.file(join(REPO_ROOT, file)));
  }
  await symlink(join(REPO_ROOT, "node_modules"), join(dir, "node_modules"));
  // tsconfig.json's `include` names the project's folders; one of them holds the file.
  await mkdir(join(dir, "scripts"));
  // `bun run typecheck` checks the web app's own project too: a one-line app with its types.
  await mkdir(join(dir, "web", "src"), { recursive: true });
  await Bun.write(
    join(dir, "web", "tsconfig.json"),
    Bun.file(join(REPO_ROOT, "web", "tsconfig.json")),
  );
  await Bun.write(join(dir, "web", "src", "main.ts"), "export const app = 1;\n");
  await symlink(join(REPO_ROOT, "web", "node_modules"), join(dir, "web", "node_modules"));
  mustRun("git", "init", "-q");
  mustRun("git", "config", "user.name", "Hook Test");
  mustRun("git", "config", "user.email", "hook-test@example.invalid");
  mustRun("git", "config", "commit.gpgsign", "false");
  // The locked lefthook, as install-hooks.sh runs it (that script itself skips under CI=true).
  mustRun(join(REPO_ROOT, "node_modules", ".bin", "lefthook"), "install");
  mustRun("git", "add", "lefthook.yml", "biome.json", "package.json", "tsconfig.json", "web");
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const commits = () => run("git", "rev-list", "--count", "--all").output.trim();

test("the pre-commit hook blocks a Biome error and lets the fixed file through", async () => {
  const file = join(dir, "scripts", "answer.ts");
  await Bun.write(file, "export function answer(): number {\n  debugger;\n  return 42;\n}\n");
  mustRun("git", "add", "scripts/answer.ts");
  const blocked = run("git", "commit", "-m", "with a debugger statement");
  expect(blocked.code).not.toBe(0);
  expect(blocked.output).toContain("noDebugger");
  expect(run("git", "rev-parse", "--verify", "-q", "HEAD").code).not.toBe(0);

  await Bun.write(file, "export function answer(): number {\n  return 42;\n}\n");
  mustRun("git", "add", "scripts/answer.ts");
  const committed = run("git", "commit", "-m", "fixed");
  expect(committed.output).toContain("biome");
  expect(committed.code).toBe(0);
  expect(commits()).toBe("1");
}, 60_000);
