import { describe, expect, test } from "bun:test";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSelfSignedCertificate, ensureDevCertificate } from "./dev-cert.ts";

describe("dev-cert.ts (self-signed edge certificate)", () => {
  test("produces a valid X.509 v3 certificate for localhost that a TLS client accepts", async () => {
    const { certPem, keyPem } = createSelfSignedCertificate({
      hosts: ["localhost", "127.0.0.1", "::1"],
      days: 30,
    });
    const cert = new X509Certificate(certPem);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.checkHost("localhost")).toBe("localhost");
    expect(cert.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(cert.subjectAltName).toContain("DNS:localhost");
    expect(cert.ca).toBe(false);
    const days = (new Date(cert.validTo).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29);
    expect(days).toBeLessThan(31);

    const server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      tls: { cert: certPem, key: keyPem },
      fetch: () => new Response("hello over tls"),
    });
    try {
      const res = await fetch(`https://localhost:${server.port}/`, { tls: { ca: certPem } });
      expect(await res.text()).toBe("hello over tls");
    } finally {
      server.stop(true);
    }
  });

  test("keeps a valid certificate and replaces one close to expiry", () => {
    const dir = mkdtempSync(join(tmpdir(), "edge-certs-"));
    try {
      expect(ensureDevCertificate(dir, { hosts: ["localhost"] })).toBe("created");
      const first = readFileSync(join(dir, "tls.crt"), "utf8");
      expect(ensureDevCertificate(dir, { hosts: ["localhost"] })).toBe("kept");
      expect(readFileSync(join(dir, "tls.crt"), "utf8")).toBe(first);
      const shortLived = createSelfSignedCertificate({ hosts: ["localhost"], days: 2 });
      writeFileSync(join(dir, "tls.crt"), shortLived.certPem);
      writeFileSync(join(dir, "tls.key"), shortLived.keyPem);
      expect(ensureDevCertificate(dir, { hosts: ["localhost"] })).toBe("created");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
