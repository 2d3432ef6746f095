/**
 * scripts/audit.sh against a stand-in advisory endpoint (the registry reachable here answers
 * 405): it passes only on a real "nothing found" answer, fails on a high advisory unless the
 * allow-list accepts it with a reason, and fails clearly when the endpoint gives no answer.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "./repo-copy.ts";

type Mode = "refuse" | "clean" | "high" | "moderate";
let mode: Mode = "clean";
const GHSA = "GHSA-2222-3333-4444";
let registry: ReturnType<typeof Bun.serve>;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hangout-audit-"));
  registry = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      if (!new URL(request.url).pathname.endsWith("/security/advisories/bulk")) {
        return new Response("not found", { status: 404 });
      }
      if (mode === "refuse") return new Response("Method Not Allowed", { status: 405 });
      if (mode === "clean") return Response.json({});
      // The advisory names the first installed package bun asked about.
      const bytes = new Uint8Array(await request.arrayBuffer());
      const gzipped = request.headers.get("content-encoding") === "gzip";
      const asked = JSON.parse(new TextDecoder().decode(gzipped ? Bun.gunzipSync(bytes) : bytes));
      const name = Object.keys(asked)[0]!;
      return Response.json({
        [name]: [
          {
            id: 9_999_001,
            url: `https://github.com/advisories/${GHSA}`,
            title: "Planted advisory",
            severity: mode,
            vulnerable_versions: ">=0.0.0",
            cwe: [],
            cvss: { score: mode === "high" ? 8 : 5, vectorString: null },
          },
        ],
      });
    },
  });
});
afterAll(async () => {
  registry?.stop(true);
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function audit(as: Mode, allowlist = "") {
  mode = as;
  const file = join(dir, `allowlist-${crypto.randomUUID()}`);
  await Bun.write(file, allowlist);
  const run = Bun.spawn(["bash", join(REPO_ROOT, "scripts", "audit.sh")], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: {
      ...process.env,
      NPM_CONFIG_REGISTRY: `http://127.0.0.1:${registry.port}/`,
      AUDIT_ALLOWLIST: file,
      NO_COLOR: "1",
    },
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(run.stdout).text(),
    new Response(run.stderr).text(),
    run.exited,
  ]);
  return { code, output: stdout + stderr };
}

describe("scripts/audit.sh", () => {
  test("an endpoint that gives no answer fails the audit, saying so", async () => {
    const { code, output } = await audit("refuse");
    expect(code).toBe(2);
    expect(output).toContain("advisory endpoint gave no usable answer");
  });

  test("passes when the endpoint finds nothing, or only below high severity", async () => {
    expect((await audit("clean")).code).toBe(0);
    expect((await audit("moderate")).code).toBe(0);
  });

  test("a high advisory fails it unless the allow-list accepts it with a reason", async () => {
    const found = await audit("high");
    expect(found.code).toBe(1);
    expect(found.output).toContain(GHSA);

    const accepted = await audit("high", `# accepted\n${GHSA}  # not reachable from our code\n`);
    expect(accepted.code).toBe(0);

    const otherAccepted = await audit("high", "GHSA-5555-6666-7777  # another one\n");
    expect(otherAccepted.code).toBe(1);
  });

  test("an allow-list line without a reason, or not an advisory id, is refused", async () => {
    const bare = await audit("high", `${GHSA}\n`);
    expect(bare.code).toBe(2);
    expect(bare.output).toContain("say why");
    const junk = await audit("clean", "lodash  # a package is not an advisory\n");
    expect(junk.code).toBe(2);
  });
});
