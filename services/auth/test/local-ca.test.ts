import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CertificateManager } from "@hangout/platform/certificates/certificate-manager";
import { localCaIssuer } from "@hangout/platform/certificates/local-ca-issuer";
import { createMtlsChannel } from "@hangout/platform/grpc/client";
import { createLogger } from "@hangout/platform/logger";
import { freePort } from "@hangout/platform/testing/ports";
import { UserDirectoryDefinition } from "@hangout/proto/auth/v1/user_directory";
import { createClient } from "nice-grpc";
import { bootstrapCa } from "../../../step-ca/bootstrap.ts";
import { startAuth } from "./harness.ts";

// The embedded default's fallback: no step-ca, LOCAL_CA_DIR → certificates minted in-process
// from the same bootstrap material, and UserDirectory still works over mTLS.
let auth: Awaited<ReturnType<typeof startAuth>>;
let hangout: CertificateManager;

beforeAll(async () => {
  const pki = await bootstrapCa({ dir: await mkdtemp(join(tmpdir(), "local-ca-")) });
  auth = await startAuth({ LOCAL_CA_DIR: pki.dir, AUTH_GRPC_PORT: String(freePort()) });
  hangout = new CertificateManager({
    service: "hangout",
    lifetime: "10m",
    logger: createLogger({ service: "test", level: "silent" }),
    issuer: await localCaIssuer({
      rootPem: await Bun.file(pki.rootCert).text(),
      intermediatePem: await Bun.file(pki.intermediateCert).text(),
      intermediateKeyPem: await Bun.file(pki.intermediateKey).text(),
    }),
  });
  await hangout.start();
});
afterAll(async () => {
  hangout?.stop();
  await auth?.close();
});

describe("auth with LOCAL_CA_DIR", () => {
  test("serves UserDirectory over mTLS with locally minted certificates", async () => {
    const ann = await auth.signup({ name: "Ann" });
    const directory = createClient(
      UserDirectoryDefinition,
      createMtlsChannel(`localhost:${auth.grpcPort}`, "auth", hangout),
    );
    const { users } = await directory.getUsersByEmails({ emails: [ann.email] });
    expect(users.map((u) => u.id)).toEqual([ann.id]);
    const ready = (await (await auth.get("/readyz")).json()) as { checks: object };
    // The broker's check (events.test.ts) is there too; it may still be connecting.
    expect(ready.checks).toEqual({ database: "ok", certificate: "ok", broker: expect.any(String) });
  });
});
