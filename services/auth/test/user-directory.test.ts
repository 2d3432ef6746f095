import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CertificateManager } from "@hangout/platform/certificates/certificate-manager";
import { stepCaIssuer } from "@hangout/platform/certificates/step-ca-issuer";
import { createMtlsChannel } from "@hangout/platform/grpc/client";
import { createLogger } from "@hangout/platform/logger";
import { freePort } from "@hangout/platform/testing/ports";
import { UserDirectoryDefinition } from "@hangout/proto/auth/v1/user_directory";
import { createClient, Status } from "nice-grpc";
import { type BootstrapResult, bootstrapCa } from "../../../step-ca/bootstrap.ts";
import { ensureStepCaBinary, type RunningStepCa, startStepCa } from "../../../step-ca/run.ts";
import { startAuth } from "./harness.ts";

// auth.v1.UserDirectory served by the real auth service, certificates from the real step-ca.
let ca: RunningStepCa;
let pki: BootstrapResult;
let auth: Awaited<ReturnType<typeof startAuth>>;
const callers: Record<string, CertificateManager> = {};

beforeAll(async () => {
  pki = await bootstrapCa({
    dir: await mkdtemp(join(tmpdir(), "step-ca-")),
    address: `127.0.0.1:${freePort()}`,
  });
  ca = await startStepCa({ binary: await ensureStepCaBinary(), dir: pki.dir });
  auth = await startAuth({
    STEP_CA_URL: ca.url,
    STEP_CA_ROOT_FILE: pki.rootCert,
    STEP_CA_PROVISIONER_KEY_FILE: pki.provisioners.auth!,
    AUTH_GRPC_PORT: String(freePort()),
    CERT_LIFETIME: "10m",
  });
  for (const service of ["hangout", "file"]) {
    callers[service] = new CertificateManager({
      service,
      lifetime: "10m",
      logger: createLogger({ service: "test", level: "silent" }),
      issuer: stepCaIssuer({
        url: ca.url,
        rootPem: ca.rootPem,
        provisioner: service,
        provisionerKey: await Bun.file(pki.provisioners[service]!).json(),
      }),
    });
    await callers[service].start();
  }
}, 600_000);

afterAll(async () => {
  for (const caller of Object.values(callers)) caller.stop();
  await auth?.close();
  await ca?.stop();
});

const directoryAs = (caller: string) =>
  createClient(
    UserDirectoryDefinition,
    createMtlsChannel(`localhost:${auth.grpcPort}`, "auth", callers[caller]!),
  );

describe("auth.v1.UserDirectory over mTLS", () => {
  test("hangout looks users up by ids and by emails (case-insensitive); unknown ones are absent", async () => {
    const ann = await auth.signup({ name: "Ann" });
    const bob = await auth.signup({ name: "Bob" });
    const directory = directoryAs("hangout");
    const byIds = await directory.getUsersByIds({
      ids: [ann.id, bob.id, "01a200be-0000-7000-8000-000000000000"],
    });
    expect(byIds.users.map((u) => u.name).sort()).toEqual(["Ann", "Bob"]);
    const found = byIds.users.find((u) => u.id === ann.id)!;
    expect(found.email).toBe(ann.email);
    expect(found.createdAt).toBeInstanceOf(Date);
    const byEmails = await directory.getUsersByEmails({
      emails: [ann.email.toUpperCase(), "nobody@example.com"],
    });
    expect(byEmails.users.map((u) => u.id)).toEqual([ann.id]);
  });

  test("more than 100 entries is INVALID_ARGUMENT naming the field", async () => {
    const ids = Array.from({ length: 101 }, () => crypto.randomUUID());
    await expect(directoryAs("hangout").getUsersByIds({ ids })).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
      details: expect.stringContaining("ids"),
    });
  });

  test("any other identity (file) gets PERMISSION_DENIED", async () => {
    await expect(directoryAs("file").getUsersByIds({ ids: [] })).rejects.toMatchObject({
      code: Status.PERMISSION_DENIED,
    });
  });

  test("/readyz reports the certificate", async () => {
    const body = (await (await auth.get("/readyz")).json()) as { checks: Record<string, string> };
    expect(body.checks).toEqual({ database: "ok", certificate: "ok" });
  });
});
