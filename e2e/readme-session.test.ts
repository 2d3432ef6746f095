import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { type Stack, startStack } from "../services/hangout/test/harness.ts";

// The README's curl session, run as written (bash, from the repository root) against the
// embedded stack; only the two base URLs are pointed at this stack's ports.

const ROOT = join(import.meta.dir, "..");
let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.stop());

async function readmeSession() {
  const readme = await Bun.file(join(ROOT, "README.md")).text();
  const section = readme.slice(readme.indexOf("### The whole flow with curl"));
  const block = /```bash\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error("README.md has no bash block under 'The whole flow with curl'");
  return block;
}

test("the README's curl session works: sign up, hangout, invite, RSVP, vote, photo round trip", async () => {
  const session = await readmeSession();
  expect(session).toMatch(/^A=http:\/\/127\.0\.0\.1:3001 /m);
  expect(session).toMatch(/^H=http:\/\/127\.0\.0\.1:3002 /m);
  const script = session
    .replace(/^A=\S+/m, `A=${stack.auth.url}`)
    .replace(/^H=\S+/m, `H=${stack.hangoutUrl}`);
  const run = Bun.spawn(["bash", "-c", `set -euo pipefail\n${script}`], {
    cwd: ROOT,
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(run.stdout).text(),
    new Response(run.stderr).text(),
    run.exited,
  ]);
  expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
  expect(stdout).toContain('"pendingEmails":["nobody-');
  expect(stdout).toContain('"rsvp":"going"');
  expect(stdout).toMatch(/"confirmed":\[\{.*\}\],"failed":\[\]/);
  expect(stdout.trimEnd().endsWith("same bytes")).toBe(true);
}, 60_000);
