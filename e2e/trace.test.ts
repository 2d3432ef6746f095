import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanUp } from "@hangout/platform/inbox/inbox.fixture";
import { createTestDatabase, type TestDatabase } from "@hangout/platform/testing/database";
import { testImage, testImageFile } from "@hangout/platform/testing/images";
import { type ReceivedSpan, startOtlpReceiver } from "@hangout/platform/testing/otlp-receiver";
import { freePort } from "@hangout/platform/testing/ports";
import { type LocalS3, startLocalS3 } from "@hangout/platform/testing/s3-server";
import {
  type ServiceProcess,
  startServiceProcess,
} from "@hangout/platform/testing/service-process";
import { startTestCa, type TestCa } from "@hangout/platform/testing/step-ca";

// The three real entry points (main.ts) as separate processes, each exporting its spans to one
// real OTLP receiver: a trace that crosses them can only come from context carried on the wire
// (traceparent over HTTP and in gRPC metadata), never from a shared in-process context.

const CONFIRM_TRACE = "0af7651916cd43dd8448eb211c80319c";
const INVITE_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const traceparent = (traceId: string) => `00-${traceId}-b7ad6b7169203331-01`;

let ca: TestCa;
let s3: LocalS3;
let receiver: ReturnType<typeof startOtlpReceiver>;
const databases: TestDatabase[] = [];
const children: ServiceProcess[] = [];
const exitCodes: Record<string, number> = {};
let authUrl: string;
let hangoutUrl: string;

/** This run's own exchange and consumer queue, so no other run's events reach it. */
const tag = `${Date.now().toString(36)}.${crypto.randomUUID().slice(0, 8)}`;
const broker = { exchange: `test.trace.${tag}`, queue: `test.trace.${tag}.hangout` };

/** `bun services/<name>/src/main.ts` with this run's CA, exchange and OTLP receiver. */
async function spawnService(name: string, env: Record<string, string>, url: string) {
  const child = await startServiceProcess({
    name,
    entry: `services/${name}/src/main.ts`,
    url,
    env: {
      DEPLOY_ENV: "test",
      LOG_LEVEL: "warn",
      CERT_LIFETIME: "10m",
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      // The SDK batches spans for 5 s by default; the test should not wait that long.
      OTEL_BSP_SCHEDULE_DELAY: "200",
      ...ca.envFor(name),
      EVENTS_EXCHANGE: broker.exchange,
      HANGOUT_EVENTS_QUEUE: broker.queue,
      ...env,
    },
  });
  children.push(child);
}

async function database(service: string) {
  const created = await createTestDatabase(service);
  databases.push(created);
  return created.url;
}

async function json<T>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  if (response.status !== status)
    throw new Error(`expected ${status}, got ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

async function user(name: string) {
  const email = `${name.toLowerCase()}-${crypto.randomUUID()}@example.com`;
  const password = "correct horse battery staple";
  const post = (path: string, body: unknown) =>
    fetch(`${authUrl}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  await json(await post("/auth/signup", { email, password, name }), 201);
  const login = await json<{ accessToken: string }>(
    await post("/auth/login", { email, password }),
    200,
  );
  return { email, token: login.accessToken };
}

const spansOf = (traceId: string) => receiver.spans.filter((span) => span.traceId === traceId);

/** The chain from `span` up to its root, nearest first, within the trace's received spans. */
function ancestry(span: ReceivedSpan, spans: ReceivedSpan[]) {
  const chain: ReceivedSpan[] = [];
  let parent = spans.find((candidate) => candidate.spanId === span.parentSpanId);
  while (parent) {
    chain.push(parent);
    const current: ReceivedSpan = parent;
    parent = spans.find((candidate) => candidate.spanId === current.parentSpanId);
  }
  return chain;
}

const describeSpan = (span: ReceivedSpan) => `${span.service}:${span.name}`;

beforeAll(async () => {
  ca = await startTestCa();
  s3 = await startLocalS3();
  receiver = startOtlpReceiver();

  const authPort = freePort();
  const authGrpcPort = freePort();
  authUrl = `http://127.0.0.1:${authPort}`;
  await spawnService(
    "auth",
    {
      AUTH_PORT: String(authPort),
      AUTH_GRPC_PORT: String(authGrpcPort),
      AUTH_DATABASE_URL: await database("auth"),
      AUTH_JWT_PRIVATE_KEY_FILE: join(await mkdtemp(join(tmpdir(), "trace-auth-")), "key.pem"),
    },
    authUrl,
  );

  const fileHttpPort = freePort();
  const fileGrpcPort = freePort();
  await spawnService(
    "file",
    {
      FILE_HTTP_PORT: String(fileHttpPort),
      FILE_GRPC_PORT: String(fileGrpcPort),
      FILE_DATABASE_URL: await database("file"),
      ...s3.env,
    },
    `http://127.0.0.1:${fileHttpPort}`,
  );

  const hangoutPort = freePort();
  hangoutUrl = `http://127.0.0.1:${hangoutPort}`;
  await spawnService(
    "hangout",
    {
      HANGOUT_PORT: String(hangoutPort),
      HANGOUT_DATABASE_URL: await database("hangout"),
      AUTH_JWKS_URL: `${authUrl}/.well-known/jwks.json`,
      AUTH_GRPC_TARGET: `localhost:${authGrpcPort}`,
      FILE_GRPC_TARGET: `localhost:${fileGrpcPort}`,
    },
    hangoutUrl,
  );

  const owner = await user("Owner");
  const friend = await user("Friend");
  const api = (method: string, path: string, body: unknown, traceId?: string) =>
    fetch(`${hangoutUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${owner.token}`,
        "content-type": "application/json",
        ...(traceId ? { traceparent: traceparent(traceId) } : {}),
      },
      body: JSON.stringify(body),
    });

  const hangout = await json<{ id: string }>(
    await api("POST", "/hangouts", { title: "Traced", startsAt: "2030-06-01T10:00:00Z" }),
    201,
  );
  await json(
    await api("POST", `/hangouts/${hangout.id}/invites`, { emails: [friend.email] }, INVITE_TRACE),
    200,
  );

  const photo = await testImage("jpg");
  const uploads = await json<{
    uploads: { memoryId: string; method: string; url: string; headers: Record<string, string> }[];
  }>(
    await api("POST", `/hangouts/${hangout.id}/memories/uploads`, {
      files: [await testImageFile("jpg", { filename: "beach.jpg" })],
    }),
    201,
  );
  const [upload] = uploads.uploads;
  if (!upload) throw new Error("no upload issued");
  const put = await fetch(upload.url, {
    method: upload.method,
    headers: upload.headers,
    body: photo,
  });
  expect(put.status).toBe(200);
  await json(
    await api(
      "POST",
      `/hangouts/${hangout.id}/memories/confirm`,
      { memoryIds: [upload.memoryId] },
      CONFIRM_TRACE,
    ),
    200,
  );

  // Graceful shutdown flushes every batch of spans.
  for (const child of [...children].reverse()) {
    exitCodes[child.name] = (await child.stop()) ?? -1;
  }
}, 120_000);

afterAll(async () => {
  for (const child of children) child.killNow();
  receiver?.stop();
  await s3?.stop();
  await ca?.stop();
  for (const created of databases) await created.drop();
  await cleanUp(broker).catch(() => undefined);
});

describe("one trace across the services", () => {
  test("every service drained and exited 0 on SIGTERM", () => {
    expect(exitCodes).toEqual({ auth: 0, file: 0, hangout: 0 });
  });

  test("confirming a memory: hangout HTTP → gRPC to file → S3 reads, in one trace", () => {
    const spans = spansOf(CONFIRM_TRACE);
    const s3Reads = spans.filter(
      (span) => span.service === "file" && span.name.startsWith("S3.") && span.kind === 3,
    );
    // ConfirmUploads looks at the object (HEAD) and then reads its bytes (GET).
    expect(s3Reads.map((span) => span.name).sort()).toEqual(["S3.GetObject", "S3.HeadObject"]);
    for (const read of s3Reads) {
      const chain = ancestry(read, spans);
      expect(chain.map(describeSpan)).toEqual([
        "file:file.v1.FileService/ConfirmUploads",
        "hangout:file.v1.FileService/ConfirmUploads",
        expect.stringMatching(/^hangout:POST \/hangouts\/:id\/memories\/confirm$/),
      ]);
      expect(chain.map((span) => span.kind)).toEqual([2, 3, 2]); // server, client, server
      // The HTTP server span continued the caller's traceparent.
      expect(chain.at(-1)?.parentSpanId).toBe("b7ad6b7169203331");
      expect(chain[0]?.attributes["peer.service"]).toBe("hangout");
    }
  });

  test("inviting by email: hangout HTTP → gRPC to auth's UserDirectory, in one trace", () => {
    const spans = spansOf(INVITE_TRACE);
    const server = spans.find(
      (span) => span.service === "auth" && span.kind === 2 && span.name.startsWith("auth.v1."),
    );
    expect(server).toBeDefined();
    if (!server) return;
    expect(ancestry(server, spans).map(describeSpan)).toEqual([
      `hangout:${server.name}`,
      "hangout:POST /hangouts/:id/invites",
    ]);
  });

  test("no token or presigned signature reached any span", () => {
    const raw = receiver.raw();
    expect(raw).not.toContain("Bearer ");
    expect(raw).not.toContain("X-Amz-Signature");
  });
});
