import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, type TestDatabase } from "@hangout/platform/testing/database";
import { startOtlpReceiver } from "@hangout/platform/testing/otlp-receiver";
import { freePort } from "@hangout/platform/testing/ports";
import mysql from "mysql2/promise";

// The real entry point (main.ts) as a child process, exporting spans to a real OTLP receiver:
// what it logs, exports and answers is checked for every secret it handled.
let database: TestDatabase;
let receiver: ReturnType<typeof startOtlpReceiver>;
let child: Bun.Subprocess<"ignore", "pipe", "pipe">;
let base: string;
const responses: string[] = [];
const secrets: string[] = [];
let stdout = "";
let exitCode: number;

const PASSWORD = "Tr0ub4dor&3-horse";
const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  responses.push(text);
  return { status: response.status, json: () => JSON.parse(text), headers: response.headers };
}

/** A signup whose INSERT the database refuses, so its error (and the row's values) reach the log. */
const FAILING_EMAIL = `db-failure-${Date.now()}@example.com`;

beforeAll(async () => {
  database = await createTestDatabase("auth");
  const admin = await mysql.createConnection({ uri: database.url });
  await admin.query(
    `CREATE TRIGGER users_refuse BEFORE INSERT ON users FOR EACH ROW
     IF NEW.email LIKE 'db-failure-%' THEN
       SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected failure';
     END IF`,
  );
  await admin.end();
  receiver = startOtlpReceiver();
  const port = freePort();
  base = `http://127.0.0.1:${port}`;
  child = Bun.spawn(["bun", "services/auth/src/main.ts"], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: {
      ...process.env,
      DEPLOY_ENV: "test",
      LOG_LEVEL: "trace",
      AUTH_PORT: String(port),
      AUTH_DATABASE_URL: database.url,
      AUTH_JWT_PRIVATE_KEY_FILE: join(await mkdtemp(join(tmpdir(), "auth-key-")), "key.pem"),
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    },
  });
  const reader = child.stdout.getReader();
  const decoder = new TextDecoder();
  while (!stdout.includes("auth listening")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`auth exited early: ${await new Response(child.stderr).text()}`);
    stdout += decoder.decode(value);
  }
  const drainStdout = async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      stdout += decoder.decode(value);
    }
  };
  // Read to the end; awaited after exit, so the last lines (the "stopped" one) are in `stdout`.
  const drained = drainStdout();

  // Every route, the failure paths included.
  const email = `secret-${Date.now()}@example.com`;
  expect(
    (await call("POST", "/auth/signup", { email, password: PASSWORD, name: "S" })).status,
  ).toBe(201);
  expect(
    (await call("POST", "/auth/signup", { email: "bad", password: PASSWORD, name: "" })).status,
  ).toBe(422);
  expect((await call("POST", "/auth/login", { email, password: `${PASSWORD}-wrong` })).status).toBe(
    401,
  );
  const login = await call(
    "POST",
    "/auth/login",
    { email, password: PASSWORD },
    {
      traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01`,
    },
  );
  const tokens = login.json() as { accessToken: string; refreshToken: string };
  const refreshed = (
    await call("POST", "/auth/refresh", { refreshToken: tokens.refreshToken })
  ).json() as {
    accessToken: string;
    refreshToken: string;
  };
  expect((await call("POST", "/auth/refresh", { refreshToken: tokens.refreshToken })).status).toBe(
    401,
  );
  const auth = { authorization: `Bearer ${refreshed.accessToken}` };
  expect((await call("GET", "/auth/me", undefined, auth)).status).toBe(200);
  expect(
    (await call("POST", "/auth/logout", { refreshToken: refreshed.refreshToken }, auth)).status,
  ).toBe(204);
  const failed = await call("POST", "/auth/signup", {
    email: FAILING_EMAIL,
    password: PASSWORD,
    name: "F",
  });
  expect(failed.status).toBe(500);
  secrets.push(
    PASSWORD,
    tokens.accessToken,
    tokens.refreshToken,
    refreshed.accessToken,
    refreshed.refreshToken,
  );

  // Graceful shutdown flushes the spans.
  child.kill("SIGTERM");
  exitCode = await child.exited;
  await drained;
});

afterAll(async () => {
  receiver.stop();
  await database.drop();
});

describe("secrets never leak", () => {
  test("SIGTERM drains and exits 0", () => {
    expect(exitCode).toBe(0);
    expect(stdout).toContain('"msg":"stopped"');
  });

  test("no log line contains a password or token", () => {
    const lines = stdout.trim().split("\n");
    expect(lines.length).toBeGreaterThan(8);
    for (const secret of secrets) expect(stdout).not.toContain(secret);
    expect(stdout).not.toContain(PASSWORD.slice(0, 10));
  });

  test("a failed statement is logged without its values (no email, no password hash)", () => {
    const errors = stdout
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line))
      .filter((line) => line.level === "error");
    expect(errors.length).toBeGreaterThan(0);
    const logged = JSON.stringify(errors);
    expect(logged).toContain("insert into `users`");
    expect(logged).not.toContain(FAILING_EMAIL);
    expect(stdout).not.toContain("$argon2");
    expect(receiver.raw()).not.toContain("$argon2");
  });

  test("no span attribute contains a password or token", () => {
    expect(receiver.spans.length).toBeGreaterThan(10);
    const raw = receiver.raw();
    for (const secret of secrets) expect(raw).not.toContain(secret);
  });

  test("no response contains the password; error responses contain no token", () => {
    for (const body of responses) expect(body).not.toContain(PASSWORD);
    const errors = responses.filter((body) => body.includes('"status":'));
    expect(errors.length).toBeGreaterThan(2);
    for (const body of errors) for (const secret of secrets) expect(body).not.toContain(secret);
  });
});

describe("telemetry", () => {
  test("server spans carry the route template and continue an incoming trace", () => {
    const login = receiver.spans.find((s) => s.traceId === TRACE_ID && s.kind === 2);
    expect(login).toBeDefined();
    expect(login!.name).toBe("POST /auth/login");
    expect(login!.parentSpanId).toBe("00f067aa0ba902b7");
    expect(login!.attributes["http.route"]).toBe("/auth/login");
    expect(login!.attributes["http.response.status_code"]).toBe(200);
    expect(login!.service).toBe("auth");
  });

  test("database calls are child spans of the request", () => {
    const login = receiver.spans.find((s) => s.traceId === TRACE_ID && s.kind === 2)!;
    const children = receiver.spans.filter((s) => s.parentSpanId === login.spanId);
    expect(children.map((s) => s.name)).toContain("SELECT users");
    expect(children.find((s) => s.name === "SELECT users")!.attributes["db.system.name"]).toBe(
      "mysql",
    );
  });

  test("log lines carry the request's trace id", () => {
    const line = stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .find((l) => l.traceId === TRACE_ID && l.msg === "request");
    expect(line).toMatchObject({ route: "/auth/login", status: 200, service: "auth" });
    expect(line.requestId).toBeString();
  });
});
