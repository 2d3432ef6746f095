import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CertificateManager } from "@hangout/platform/certificates/certificate-manager";
import { freePort } from "@hangout/platform/testing/ports";
import { startTestCa, type TestCa } from "@hangout/platform/testing/step-ca";
import { startAuth } from "./harness.ts";

// The other direction of the contract: Node's grpc-js, with the generated client, against the
// Bun auth server, certificates from the real step-ca.
let testCa: TestCa;
let auth: Awaited<ReturnType<typeof startAuth>>;
let hangout: CertificateManager;
let bundle: string;

beforeAll(async () => {
  testCa = await startTestCa();
  auth = await startAuth({
    ...testCa.envFor("auth"),
    AUTH_GRPC_PORT: String(freePort()),
  });
  hangout = await testCa.managerFor("hangout");
  await hangout.start();
  const outdir = await mkdtemp(join(tmpdir(), "node-client-"));
  const built = await Bun.build({
    entrypoints: [new URL("./fixtures/node-directory-client.ts", import.meta.url).pathname],
    target: "node",
    format: "esm",
    outdir,
    naming: "client.mjs",
  });
  if (!built.success) throw new Error(built.logs.join("\n"));
  bundle = join(outdir, "client.mjs");
}, 600_000);

afterAll(async () => {
  hangout?.stop();
  await auth?.close();
  await testCa?.stop();
});

describe("Node client → Bun server", () => {
  test("Node's grpc-js calls UserDirectory with the generated client over mTLS", async () => {
    const ann = await auth.signup({ name: "Ann" });
    const node = Bun.spawn(["node", bundle], {
      stdout: "pipe",
      stderr: "pipe",
      env: {
        ...process.env,
        TARGET: `localhost:${auth.grpcPort}`,
        ROOT_PEM: testCa.ca.rootPem,
        CHAIN_PEM: hangout.certificate!.chainPem,
        KEY_PEM: hangout.certificate!.keyPem,
        EMAIL: ann.email.toUpperCase(),
      },
    });
    const [out, err, code] = await Promise.all([
      new Response(node.stdout).text(),
      new Response(node.stderr).text(),
      node.exited,
    ]);
    expect(err).toBe("");
    expect(code).toBe(0);
    const answer = JSON.parse(out) as { runtime: string; users: { id: string; name: string }[] };
    expect(answer.runtime).toStartWith("node v");
    expect(answer.users.map((u) => [u.id, u.name])).toEqual([[ann.id, "Ann"]]);
  });
});
