/**
 * What the image runs: each service's minified bundle (scripts/build.ts) as its own process, all
 * together on real step-ca certificates, databases, RabbitMQ, an SMTP sink, an S3-compatible
 * store and clamd. The sources are tested everywhere else; this shows the bundles lose nothing on
 * the way: argon2's native addon (sign-up, login), Swagger UI's files (/docs), gRPC over mTLS to
 * auth and to file, presigned uploads checked by the store, sharp's native addon and libvips (the
 * media worker turns the upload into its variants), and spans exported over OTLP.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanUp, testNames } from "@hangout/platform/inbox/inbox.fixture";
import { createTestDatabase, type TestDatabase } from "@hangout/platform/testing/database";
import { testImage, testImageFile } from "@hangout/platform/testing/images";
import { type MailSink, startMailSink } from "@hangout/platform/testing/mail-sink";
import { startOtlpReceiver } from "@hangout/platform/testing/otlp-receiver";
import { freePort } from "@hangout/platform/testing/ports";
import { type LocalS3, startLocalS3 } from "@hangout/platform/testing/s3-server";
import { startTestCa, type TestCa } from "@hangout/platform/testing/step-ca";
import { buildService, SERVICES, type Service } from "../scripts/build.ts";
import { clamdSocket } from "../scripts/dev.fixture.ts";

// The package the platform's docs page loads Swagger UI from.
const SWAGGER_UI = join(
  Bun.resolveSync("swagger-ui-dist/package.json", join(import.meta.dir, "../packages/platform")),
  "..",
);

let outRoot: string;
let ca: TestCa;
let s3: LocalS3;
let sink: MailSink;
const otlp = startOtlpReceiver();
/** This run's exchange, and the consumers' queues on it. */
const broker = testNames();
const queues = {
  hangout: `${broker.queue}.hangout`,
  notification: `${broker.queue}.notification`,
  media: `${broker.queue}.media`,
};
const databases: TestDatabase[] = [];
const processes: Bun.Subprocess[] = [];
const urls = {} as Record<Service, string>;

async function database(service: Service) {
  const db = await createTestDatabase(service);
  databases.push(db);
  return db.url;
}

/** Runs `dist/<service>/main.js` and waits for /readyz; `portVariable` is its HTTP port's. */
async function start(service: Service, portVariable: string, env: Record<string, string>) {
  const port = freePort();
  const stderr = join(outRoot, `${service}.err.log`);
  const proc = Bun.spawn(["bun", join(outRoot, service, "main.js")], {
    stdin: "ignore",
    stdout: Bun.file(join(outRoot, `${service}.log`)),
    stderr: Bun.file(stderr),
    // Only what the service is given: the bundle must not lean on the test process.
    env: {
      PATH: process.env.PATH,
      DEPLOY_ENV: "test",
      LOG_LEVEL: "info",
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      // The SDK batches spans for 5 s by default; the test should not wait that long.
      OTEL_BSP_SCHEDULE_DELAY: "200",
      EVENTS_EXCHANGE: broker.exchange,
      ...env,
      [portVariable]: String(port),
    },
  });
  processes.push(proc);
  urls[service] = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await Bun.sleep(100)) {
    if (proc.exitCode !== null) throw new Error(`${service}: ${await Bun.file(stderr).text()}`);
    if (
      await fetch(`${urls[service]}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
  }
  throw new Error(`${service} was not ready within 30 s: ${await Bun.file(stderr).text()}`);
}

beforeAll(async () => {
  outRoot = await mkdtemp(join(tmpdir(), "bundles-"));
  for (const service of SERVICES) await buildService(service, outRoot);
  [ca, s3, sink] = await Promise.all([
    startTestCa(),
    startLocalS3(),
    startMailSink({ smtpPort: 0, httpPort: 0 }),
  ]);
  const authGrpcPort = String(freePort());
  const fileGrpcPort = String(freePort());
  await start("auth", "AUTH_PORT", {
    ...ca.envFor("auth"),
    AUTH_GRPC_PORT: authGrpcPort,
    AUTH_DATABASE_URL: await database("auth"),
    AUTH_JWT_PRIVATE_KEY_FILE: join(outRoot, "jwt-es256.pem"),
  });
  await start("file", "FILE_HTTP_PORT", {
    ...ca.envFor("file"),
    ...s3.env,
    FILE_GRPC_PORT: fileGrpcPort,
    FILE_DATABASE_URL: await database("file"),
  });
  await start("hangout", "HANGOUT_PORT", {
    ...ca.envFor("hangout"),
    HANGOUT_DATABASE_URL: await database("hangout"),
    AUTH_JWKS_URL: `${urls.auth}/.well-known/jwks.json`,
    AUTH_GRPC_TARGET: `localhost:${authGrpcPort}`,
    FILE_GRPC_TARGET: `localhost:${fileGrpcPort}`,
    HANGOUT_EVENTS_QUEUE: queues.hangout,
  });
  await start("notification", "NOTIFICATION_PORT", {
    ...ca.envFor("notification"),
    NOTIFICATION_DATABASE_URL: await database("notification"),
    NOTIFICATION_QUEUE: queues.notification,
    AUTH_JWKS_URL: `${urls.auth}/.well-known/jwks.json`,
    AUTH_GRPC_TARGET: `localhost:${authGrpcPort}`,
    SMTP_URL: sink.smtpUrl,
  });
  await start("media", "MEDIA_HTTP_PORT", {
    ...ca.envFor("media"),
    ...s3.env,
    FILE_GRPC_TARGET: `localhost:${fileGrpcPort}`,
    MEDIA_QUEUE: queues.media,
    CLAMD_SOCKET: clamdSocket(),
  });
}, 120_000);

afterAll(async () => {
  for (const proc of processes) proc.kill("SIGTERM");
  await Promise.all(processes.map((proc) => proc.exited));
  await Promise.all([
    ...databases.map((db) => db.drop()),
    ca?.stop(),
    s3?.stop(),
    sink?.stop(),
    otlp.stop(),
  ]);
  for (const queue of Object.values(queues)) {
    await cleanUp({ exchange: broker.exchange, queue }).catch(() => undefined);
  }
  await rm(outRoot, { recursive: true, force: true });
});

test("each bundle sits beside its source map and the files it reads at run time", async () => {
  for (const service of SERVICES) {
    const files = await readdir(join(outRoot, service));
    expect({ service, files }).toEqual({
      service,
      files: expect.arrayContaining(["main.js", "main.js.map"]),
    });
    const map = await Bun.file(join(outRoot, service, "main.js.map")).json();
    expect(map.sources).toContainEqual(expect.stringContaining(`services/${service}/src/main.ts`));
  }
  // Errors are logged and traced by class name; a minifier renaming classes would blank those.
  const auth = await Bun.file(join(outRoot, "auth", "main.js")).text();
  expect(auth).toContain("class AppError extends Error");
  expect(auth).toContain("class JWTExpired extends JOSEError");
  expect(await readdir(join(outRoot, "auth"))).toContainEqual(
    expect.stringMatching(/^argon2.*\.node$/),
  );
});

test("each bundle releases the code its start-up compiled once it is up", async () => {
  const released = async (service: Service) =>
    (await Bun.file(join(outRoot, `${service}.log`)).text())
      .split("\n")
      .filter((line) => line.includes('"start-up code released"'))
      .map((line) => JSON.parse(line) as { service: string; heapMb: number });
  for (const service of SERVICES) {
    for (let tries = 0; (await released(service)).length === 0 && tries < 50; tries++) {
      await Bun.sleep(100);
    }
    const lines = await released(service);
    expect({ service, lines: lines.length }).toEqual({ service, lines: 1 });
    expect(lines[0]?.service).toBe(service);
    expect(lines[0]?.heapMb).toBeGreaterThan(0);
  }
});

test("/docs serves Swagger UI's own files from the bundle's folder", async () => {
  for (const service of ["auth", "hangout"] as const) {
    expect((await fetch(`${urls[service]}/docs`)).status).toBe(200);
    for (const [file, type] of [
      ["swagger-ui.css", "text/css"],
      ["swagger-ui-bundle.js", "application/javascript"],
    ]) {
      const response = await fetch(`${urls[service]}/docs/assets/${file}`);
      expect({ service, file, status: response.status }).toEqual({ service, file, status: 200 });
      expect(response.headers.get("content-type")).toStartWith(type as string);
      expect(await response.text()).toBe(await Bun.file(join(SWAGGER_UI, file as string)).text());
    }
  }
});

test("a photo goes through: sign-up, login, a hangout, an invite over gRPC and its email, upload, confirm, media, download", async () => {
  const json = { "content-type": "application/json" };
  const email = `bundle-${Date.now().toString(36)}@example.com`;
  const credentials = JSON.stringify({ email, password: "correct horse battery" });
  const signup = await fetch(`${urls.auth}/auth/signup`, {
    method: "POST",
    headers: json,
    body: JSON.stringify({ ...JSON.parse(credentials), name: "Bundle" }),
  });
  expect(signup.status).toBe(201);
  const login = await fetch(`${urls.auth}/auth/login`, {
    method: "POST",
    headers: json,
    body: credentials,
  });
  expect(login.status).toBe(200);
  const { accessToken } = (await login.json()) as { accessToken: string };
  const headers = { ...json, authorization: `Bearer ${accessToken}` };
  const post = (path: string, body: unknown) =>
    fetch(`${urls.hangout}${path}`, { method: "POST", headers, body: JSON.stringify(body) });

  const created = await post("/hangouts", { title: "Bundled", startsAt: "2027-01-01T10:00:00Z" });
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as { id: string };
  const invite = await post(`/hangouts/${id}/invites`, { emails: ["nobody@example.com"] });
  expect(await invite.json()).toEqual({
    invited: [],
    alreadyMembers: [],
    pendingEmails: ["nobody@example.com"],
  });
  // Through hangout's relay, RabbitMQ and notification's consumer and mailer, to SMTP.
  const invitation = await sink.waitFor((m) => m.to[0]?.address === "nobody@example.com", {
    timeoutMs: 15_000,
  });
  expect(invitation.subject).toContain("invited you to");

  const photo = await testImage("png");
  const issued = await post(`/hangouts/${id}/memories/uploads`, {
    files: [await testImageFile("png", { filename: "p.png" })],
  });
  expect(issued.status).toBe(201);
  const [upload] = (
    (await issued.json()) as {
      uploads: { memoryId: string; url: string; headers: Record<string, string> }[];
    }
  ).uploads;
  const put = await fetch(upload!.url, { method: "PUT", headers: upload!.headers, body: photo });
  expect(put.status).toBe(200);
  const confirmed = await post(`/hangouts/${id}/memories/confirm`, {
    memoryIds: [upload!.memoryId],
  });
  const { confirmed: memories } = (await confirmed.json()) as { confirmed: { id: string }[] };
  expect(memories).toHaveLength(1);

  // file → RabbitMQ → media (clamd, sharp) → file over gRPC → RabbitMQ → hangout.
  type Variant = { url: string; width: number; height: number; contentType: string };
  type Memory = { status: string; url: string | null; preview: Variant; thumbnail: Variant };
  let memory: Memory | undefined;
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; await Bun.sleep(200)) {
    const response = await fetch(`${urls.hangout}/memories/${memories[0]!.id}`, { headers });
    memory = (await response.json()) as Memory;
    if (memory.status !== "processing") break;
  }
  expect(memory?.status).toBe("ready");
  const download = async (url: string) => new Uint8Array(await (await fetch(url)).arrayBuffer());
  // The metadata-free copy: a PNG, re-encoded losslessly, never the uploaded bytes themselves.
  const original = await download(memory!.url!);
  expect([...original.subarray(0, 8)]).toEqual([...photo.subarray(0, 8)]);
  for (const variant of [memory!.preview, memory!.thumbnail]) {
    expect(variant.contentType).toBe("image/webp");
    const bytes = await download(variant.url);
    expect(new TextDecoder().decode(bytes.subarray(8, 12))).toBe("WEBP");
  }
});

test("each bundle exports its spans over OTLP; a confirm is one trace across hangout and file", async () => {
  // Each service sends on its own schedule: wait until all of it has arrived.
  const confirmTrace = () => {
    const confirm = otlp.spans.find((span) => span.name.endsWith("/memories/confirm"));
    const services = otlp.spans
      .filter((span) => span.traceId === confirm?.traceId)
      .map((span) => span.service);
    return new Set(services);
  };
  const exporting = () => new Set(otlp.spans.map((span) => span.service));
  for (let waited = 0; waited < 10_000; waited += 100) {
    if (confirmTrace().size === 2 && exporting().size === SERVICES.length) break;
    await Bun.sleep(100);
  }
  expect(confirmTrace()).toEqual(new Set(["hangout", "file"]));
  expect(exporting()).toEqual(new Set(SERVICES));
});
