import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "nice-grpc";
import { HealthDefinition } from "nice-grpc-server-health";
import { bootstrapCa } from "../../../../step-ca/bootstrap.ts";
import { commonConfigSchema, configSchema, loadConfig } from "../config.ts";
import { createMtlsChannel } from "../grpc/client.ts";
import { createGrpcServer } from "../grpc/server.ts";
import { createHttpApp } from "../http-app.ts";
import { createLogger } from "../logger.ts";
import { createPlatform } from "../platform.ts";
import { serveHttp } from "../serve.ts";
import { CertificateManager } from "./certificate-manager.ts";
import { localCaIssuer } from "./local-ca-issuer.ts";
import { parseCertificate, splitPemChain, x509 } from "./pem.ts";
import type { CertificateIssuer } from "./step-ca-issuer.ts";

// The embedded default's fallback issuer: the same CA material as step-ca, no binary needed.
const logger = createLogger({ service: "test", level: "silent" });
let issuer: CertificateIssuer;
let rootPem: string;
const managers: CertificateManager[] = [];

beforeAll(async () => {
  const pki = await bootstrapCa({ dir: await mkdtemp(join(tmpdir(), "local-ca-")) });
  rootPem = await Bun.file(pki.rootCert).text();
  issuer = await localCaIssuer({
    rootPem,
    intermediatePem: await Bun.file(pki.intermediateCert).text(),
    intermediateKeyPem: await Bun.file(pki.intermediateKey).text(),
  });
});
afterAll(() => {
  for (const manager of managers) manager.stop();
});

const started = async (service: string, lifetime = "5m", renewAt = 2 / 3) => {
  const manager = new CertificateManager({ service, issuer, lifetime, logger, renewAt });
  managers.push(manager);
  await manager.start();
  return manager;
};

describe("local CA issuer", () => {
  test("issues root → intermediate → leaf with the service as CN and only SAN", async () => {
    const { chainPem, notAfter } = (await started("hangout")).certificate!;
    const [leafPem, intermediatePem] = splitPemChain(chainPem);
    const leaf = parseCertificate(leafPem!);
    const intermediate = parseCertificate(intermediatePem!);
    expect(leaf.subject).toBe("CN=hangout");
    const san = leaf.getExtension(x509.SubjectAlternativeNameExtension)!;
    expect(san.names.items.map((n) => n.value)).toEqual(["hangout"]);
    expect(await leaf.verify({ publicKey: intermediate.publicKey })).toBe(true);
    expect(await intermediate.verify({ publicKey: parseCertificate(rootPem).publicKey })).toBe(
      true,
    );
    expect(notAfter.getTime() - Date.now()).toBeGreaterThan(4.9 * 60_000);
  });

  test("renewal keeps the key and the lifetime, with a new serial", async () => {
    const manager = await started("file");
    const before = manager.certificate!;
    await manager.renew();
    const after = manager.certificate!;
    expect(after.serial).not.toBe(before.serial);
    expect(after.keyPem).toBe(before.keyPem);
    const lifetime = (c: typeof before) => c.notAfter.getTime() - c.notBefore.getTime();
    expect(Math.abs(lifetime(after) - lifetime(before))).toBeLessThan(2000);
  });

  test("its certificates carry gRPC over mTLS like step-ca's", async () => {
    const server = createGrpcServer({
      certificates: await started("file"),
      allowedCallers: ["hangout"],
      logger,
    });
    const port = await server.listen("127.0.0.1:0");
    const channel = createMtlsChannel(`localhost:${port}`, "file", await started("hangout"));
    try {
      expect((await createClient(HealthDefinition, channel).check({ service: "" })).status).toBe(1);
    } finally {
      channel.close();
      await server.shutdown();
    }
  });

  test("an expired certificate makes /readyz fail", async () => {
    // Two seconds of life and no renewal before it ends.
    const manager = await started("auth", "2s", 100);
    const platform = createPlatform("readiness", loadConfig(configSchema(commonConfigSchema)), {
      logDestination: { write: () => {} },
    });
    const app = createHttpApp(platform, {
      version: "0",
      description: "",
      readiness: [manager.readinessCheck()],
    });
    const http = serveHttp(platform, app, { hostname: "127.0.0.1", port: 0, handleSignals: false });
    try {
      expect((await fetch(`${http.url}/readyz`)).status).toBe(200);
      await Bun.sleep(2200);
      const response = await fetch(`${http.url}/readyz`);
      expect(response.status).toBe(503);
      const body = (await response.json()) as { checks: { certificate: string } };
      expect(body.checks.certificate).toStartWith("failed: expired at");
    } finally {
      await http.shutdown();
    }
  });
});
