/**
 * The secret scan (`bun run secrets`, run by .ci/run) on a copy of the tree: clean as committed,
 * failing and naming the file once a credential is planted. The planted secrets are made at run
 * time (a fresh key, random characters), so none sits in the tree for the scan to find.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { copyRepository, REPO_ROOT, type RepoCopy } from "./repo-copy.ts";

let copy: RepoCopy;

beforeAll(async () => {
  copy = await copyRepository({ linkNodeModules: true });
});
afterAll(async () => {
  await copy?.remove();
});

async function scan(): Promise<{ code: number; output: string }> {
  const run = Bun.spawn(["bun", "run", "secrets"], {
    cwd: copy.dir,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1" },
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(run.stdout).text(),
    new Response(run.stderr).text(),
    run.exited,
  ]);
  return { code, output: stdout + stderr };
}

async function privateKeyPem(): Promise<string> {
  const keys = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
  ]);
  const der = Buffer.from(await crypto.subtle.exportKey("pkcs8", keys.privateKey));
  const label = ["PRIVATE", "KEY"].join(" ");
  const body = der
    .toString("base64")
    .match(/.{1,64}/g)
    ?.join("\n");
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

function randomFrom(alphabet: string, length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (byte) => alphabet[byte % alphabet.length]).join("");
}

describe("secret scan", () => {
  test("package.json runs it as `bun run secrets`", async () => {
    const manifest = await Bun.file(join(REPO_ROOT, "package.json")).json();
    expect(String(manifest.scripts?.secrets)).toContain("secretlint");
  });

  test("the tree as committed passes", async () => {
    const { code, output } = await scan();
    expect(output).not.toContain("error");
    expect(code).toBe(0);
  }, 60_000);

  test("a planted private key, AWS secret key or database password fails it, naming each file", async () => {
    const upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const alphabet = `${upper}${upper.toLowerCase()}0123456789/+`;
    const planted = {
      "services/auth/src/planted-key.pem": await privateKeyPem(),
      // The rule's pattern ends at a word boundary: a key ending in / or + (1 run in 32) is not
      // matched, so the last character is alphanumeric, as in most real keys.
      "deploy/planted.env": `aws_secret_access_key = ${randomFrom(alphabet, 39)}${randomFrom(upper, 1)}\n`,
      // The allow-list covers the compose stack's documented dev passwords, not other ones.
      "packages/platform/src/planted-url.ts": `export const url = "mysql://auth:${randomFrom(alphabet.slice(0, 52), 24)}@db.internal:3306/auth";\n`,
    };
    for (const [path, text] of Object.entries(planted)) {
      await mkdir(join(copy.dir, path, ".."), { recursive: true });
      await Bun.write(join(copy.dir, path), text);
    }
    const { code, output } = await scan();
    expect(code).not.toBe(0);
    for (const path of Object.keys(planted)) expect(output).toContain(path);
    expect(output).toContain("PrivateKey");
    expect(output).toContain("AWSSecretAccessKey");
    expect(output).toContain("MySQLConnection");
  }, 60_000);
});
