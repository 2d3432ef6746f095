import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Registry } from "prom-client";
import { startTestCa, type TestCa } from "../testing/step-ca.ts";
import { createKeyAndCsr } from "./csr.ts";
import { parseCertificate, splitPemChain, x509 } from "./pem.ts";
import { stepCaIssuer } from "./step-ca-issuer.ts";

// Against the real step-ca (built from Debian's sources by scripts/ensure-step-ca.sh).
let testCa: TestCa;

beforeAll(async () => {
  testCa = await startTestCa();
}, 600_000);
afterAll(() => testCa?.stop());

const managerFor = (service: string, registry?: Registry, renewAt?: number) =>
  testCa.managerFor(service, { lifetime: "5m", registry, renewAt, jitter: 0 });

describe("CertificateManager against step-ca", () => {
  test("obtains a leaf for its service name, chained to our root, with the requested lifetime", async () => {
    const registry = new Registry();
    const manager = await managerFor("hangout", registry);
    await manager.start();
    try {
      const current = manager.certificate!;
      const [leafPem, intermediatePem] = splitPemChain(current.chainPem);
      const leaf = parseCertificate(leafPem!);
      const san = leaf.getExtension(x509.SubjectAlternativeNameExtension)!;
      expect(san.names.items.map((n) => n.value)).toEqual(["hangout"]);
      expect(leaf.issuer).toBe(parseCertificate(intermediatePem!).subject);
      expect(await leaf.verify({ publicKey: parseCertificate(intermediatePem!).publicKey })).toBe(
        true,
      );
      const lifetimeMs = current.notAfter.getTime() - Date.now();
      expect(lifetimeMs).toBeGreaterThan(4 * 60_000);
      expect(lifetimeMs).toBeLessThanOrEqual(5 * 60_000 + 1000);
      await manager.readinessCheck().check();
      expect(await registry.metrics()).toContain(
        `certificate_expiry_timestamp_seconds ${current.notAfter.getTime() / 1000}`,
      );
    } finally {
      manager.stop();
    }
  });

  test("renews with the current certificate (mTLS): new serial, same key and identity, pushed to the provider", async () => {
    const manager = await managerFor("file");
    await manager.start();
    try {
      const before = manager.certificate!;
      const pushed: string[] = [];
      manager.provider.addIdentityCertificateListener((u) => pushed.push(String(u?.certificate)));
      await Bun.sleep(5);
      await manager.renew();
      const after = manager.certificate!;
      expect(after.serial).not.toBe(before.serial);
      expect(after.keyPem).toBe(before.keyPem);
      expect(pushed.at(-1)).toBe(after.chainPem);
    } finally {
      manager.stop();
    }
  });

  test("renews by itself when the schedule says so", async () => {
    const manager = await managerFor("hangout", undefined, 0.01);
    await manager.start();
    try {
      const first = manager.certificate!.serial;
      // Validity starts at step-ca's 1-minute backdate: 1% of it is already past, so the
      // timer fires at once, with no call from the test.
      for (let i = 0; i < 100 && manager.certificate!.serial === first; i++) await Bun.sleep(100);
      expect(manager.certificate!.serial).not.toBe(first);
    } finally {
      manager.stop();
    }
  }, 20_000);

  test("with the CA down it keeps its certificate and stays ready; it renews once the CA is back", async () => {
    const manager = await managerFor("auth");
    await manager.start();
    try {
      const before = manager.certificate!;
      await testCa.ca.stop();
      await expect(manager.renew()).rejects.toThrow();
      expect(manager.certificate!.serial).toBe(before.serial);
      await manager.readinessCheck().check();
      await testCa.restart();
      await manager.renew();
      expect(manager.certificate!.serial).not.toBe(before.serial);
    } finally {
      manager.stop();
    }
  });

  test("a provisioner key cannot obtain a certificate for another service's provisioner", async () => {
    const issuer = stepCaIssuer({
      url: testCa.ca.url,
      rootPem: testCa.ca.rootPem,
      provisioner: "hangout",
      provisionerKey: await Bun.file(testCa.pki.provisioners.file!).json(),
    });
    const { csrPem } = await createKeyAndCsr("hangout");
    await expect(issuer.sign("hangout", csrPem, "5m")).rejects.toThrow(/401|403/);
  });
});
