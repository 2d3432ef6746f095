import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { CertificateManager } from "@hangout/platform/certificates/certificate-manager";
import { createMtlsChannel } from "@hangout/platform/grpc/client";
import { freePort } from "@hangout/platform/testing/ports";
import { startTestCa, type TestCa } from "@hangout/platform/testing/step-ca";
import { UserDirectoryDefinition } from "@hangout/proto/auth/v1/user_directory";
import { createClient, Status } from "nice-grpc";
import { startAuth } from "./harness.ts";

// auth.v1.UserDirectory served by the real auth service, certificates from the real step-ca.
let testCa: TestCa;
let auth: Awaited<ReturnType<typeof startAuth>>;
const callers: Record<string, CertificateManager> = {};

beforeAll(async () => {
  testCa = await startTestCa();
  auth = await startAuth({
    ...testCa.envFor("auth"),
    AUTH_GRPC_PORT: String(freePort()),
    CERT_LIFETIME: "10m",
  });
  for (const service of ["hangout", "notification", "file"]) {
    callers[service] = await testCa.managerFor(service);
    await callers[service].start();
  }
}, 600_000);

afterAll(async () => {
  for (const caller of Object.values(callers)) caller.stop();
  await auth?.close();
  await testCa?.stop();
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

  test("notification looks recipients up by id", async () => {
    const cy = await auth.signup({ name: "Cy" });
    const { users } = await directoryAs("notification").getUsersByIds({ ids: [cy.id] });
    expect(users.map((u) => [u.name, u.email])).toEqual([["Cy", cy.email]]);
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
    // The broker's check (events.test.ts) is there too; it may still be connecting.
    expect(body.checks).toEqual({ database: "ok", certificate: "ok", broker: expect.any(String) });
  });
});
