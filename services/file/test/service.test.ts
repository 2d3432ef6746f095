import { afterAll, beforeAll, expect, test } from "bun:test";
import { GetBucketCorsCommand, S3Client } from "@aws-sdk/client-s3";
import { createMtlsChannel, HealthDefinition } from "@hangout/platform/grpc/client";
import { startTestCa, type TestCa } from "@hangout/platform/testing/step-ca";
import { ClientError, createClient, Status } from "nice-grpc";

import { type FileHarness, startFileService } from "./harness.ts";

let ca: TestCa;
let file: FileHarness;

beforeAll(async () => {
  ca = await startTestCa();
  file = await startFileService(ca, {
    S3_CORS_ORIGINS: "https://localhost:8443, http://localhost:3002",
  });
});
afterAll(async () => {
  await file.close();
  await ca.stop();
});

test("only the hangout identity may call FileService", async () => {
  const auth = await file.clientAs("auth");
  const error = await auth.getDownloadUrls({ fileIds: [Bun.randomUUIDv7()] }).catch((e) => e);
  expect(error).toBeInstanceOf(ClientError);
  expect((error as ClientError).code).toBe(Status.PERMISSION_DENIED);
  expect((await file.client.getDownloadUrls({ fileIds: [Bun.randomUUIDv7()] })).urls).toEqual([]);
});

test("serves grpc.health.v1 to its callers", async () => {
  const certificates = await ca.managerFor("hangout");
  await certificates.start();
  const channel = createMtlsChannel(`localhost:${file.grpcPort}`, "file", certificates);
  try {
    const health = createClient(HealthDefinition, channel);
    expect((await health.check({ service: "" })).status).toBe(1); // SERVING
  } finally {
    channel.close();
    certificates.stop();
  }
});

test("creates the bucket at start with CORS for the configured origins", async () => {
  const s3 = new S3Client({
    endpoint: file.s3.endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
  });
  try {
    const cors = await s3.send(new GetBucketCorsCommand({ Bucket: "hangout-files" }));
    expect(cors.CORSRules?.[0]?.AllowedOrigins).toEqual([
      "https://localhost:8443",
      "http://localhost:3002",
    ]);
    expect(cors.CORSRules?.[0]?.AllowedMethods).toContain("PUT");
  } finally {
    s3.destroy();
  }
});

test("/readyz checks the database, the store, the certificate and the broker; /metrics counts gRPC calls", async () => {
  const ready = await fetch(`${file.httpUrl}/readyz`);
  expect(ready.status).toBe(200);
  expect(((await ready.json()) as { checks: Record<string, string> }).checks).toEqual({
    database: "ok",
    "object-store": "ok",
    certificate: "ok",
    broker: "ok",
  });
  const metrics = await (await fetch(`${file.httpUrl}/metrics`)).text();
  expect(metrics).toMatch(
    /grpc_server_handled_total\{[^}]*grpc_method="GetDownloadUrls"[^}]*grpc_code="OK"[^}]*\} [1-9]/,
  );
  expect(metrics).toMatch(/grpc_server_handled_total\{[^}]*grpc_code="PERMISSION_DENIED"/);
  expect(metrics).toContain("certificate_expiry");
});

test("/readyz fails while the store is down", async () => {
  await file.s3.stop();
  const response = await fetch(`${file.httpUrl}/readyz`);
  expect(response.status).toBe(503);
  expect(
    ((await response.json()) as { checks: Record<string, string> }).checks["object-store"],
  ).toStartWith("failed");
});
