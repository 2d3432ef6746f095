import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { type Stack, startStack } from "../services/hangout/test/harness.ts";

// The README's curl session, run as written (bash, from the repository root) against the
// embedded stack; only the two base URLs are pointed at this stack's ports.

const ROOT = join(import.meta.dir, "..");
let stack: Stack;

beforeAll(async () => {
  // The README's photo goes through the real media worker.
  stack = await startStack({}, { media: true });
});
afterAll(() => stack.stop());

async function bashBlock(heading: string) {
  const readme = await Bun.file(join(ROOT, "README.md")).text();
  const section = readme.slice(readme.indexOf(heading));
  const block = /```bash\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error(`README.md has no bash block under '${heading}'`);
  return block;
}

const readmeSession = () => bashBlock("### The whole flow with curl");

async function runBash(script: string) {
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
  return { stdout, stderr, code };
}

/**
 * The session with its two base URLs pointed at this stack, and its own emails: two runs in the
 * same second would otherwise sign up the same people twice.
 */
const pointed = (session: string) =>
  session
    .replace(/^A=\S+/m, `A=${stack.auth.url}`)
    .replace(/^H=\S+/m, `H=${stack.hangoutUrl}`)
    .replace(/^RUN=.*$/m, `RUN=${crypto.randomUUID().slice(0, 8)}`);

test("the README's curl session works: sign up, hangout, invite, RSVP, vote, a processed photo", async () => {
  const session = await readmeSession();
  expect(session).toMatch(/^A=http:\/\/127\.0\.0\.1:3001 /m);
  expect(session).toMatch(/^H=http:\/\/127\.0\.0\.1:3002 /m);
  expect(session).toMatch(/^RUN=\$\(date \+%s\) /m);
  const { stdout, stderr, code } = await runBash(pointed(session));
  expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
  expect(stdout).toContain('"pendingEmails":["nobody-');
  expect(stdout).toContain('"rsvp":"going"');
  expect(stdout).toContain('{"status":"processing","url":null}');
  const last = JSON.parse(stdout.trimEnd().split("\n").at(-1) ?? "{}");
  expect(last).toMatchObject({
    status: "ready",
    preview: { contentType: "image/webp" },
    thumbnail: {},
  });
  expect(last.placeholder).toBeString();
  expect(Math.max(last.thumbnail.width, last.thumbnail.height)).toBeLessThanOrEqual(400);
}, 60_000);

test("the README's live block: the stream prints the change made in the other terminal", async () => {
  const live = await bashBlock("### Watch it live");
  const [stream, change] = live.split("\n").filter((line) => line.startsWith("curl"));
  expect(stream).toContain("/events");
  // Terminal 1 in the background (for a few seconds), terminal 2 once it is open.
  const script = `${pointed(await readmeSession())}
( ${stream} --max-time 4 > "$LIVE_OUT" || true ) &
sleep 1
${change}
wait`;
  const out = `${Bun.env.TMPDIR ?? "/tmp"}/readme-live-${process.pid}.txt`;
  const { stderr, code } = await runBash(`LIVE_OUT=${out}\n${script}`);
  expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
  const printed = await Bun.file(out).text();
  expect(printed).toMatch(/^retry: \d+$/m);
  expect(printed).toMatch(
    /^id: \d+\nevent: hangout\.updated\ndata: \{.*"title":"Lake day, 10:00"/m,
  );
}, 60_000);
