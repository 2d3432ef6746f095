import { startService } from "@hangout/platform/service/start";
import { createTestDatabase, type TestDatabase } from "@hangout/platform/testing/database";
import { fetchDocumented } from "@hangout/platform/testing/documented-fetch";
import { exportPKCS8, generateKeyPair } from "jose";
import { authService } from "../src/app.ts";
import { loadAuthConfig } from "../src/config.ts";

export interface AuthHarness {
  url: string;
  /** Every log line the service wrote, as parsed JSON. */
  logs: Record<string, unknown>[];
  /** Raw log output, for "never contains" assertions. */
  rawLogs(): string;
  /** The signing key, so tests can forge tokens (expired, wrong issuer, …). */
  privateKey: CryptoKey;
  /** Moves the service's clock forward. */
  advance(seconds: number): void;
  post(path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  signup(overrides?: Partial<{ email: string; password: string; name: string }>): Promise<{
    id: string;
    email: string;
    password: string;
  }>;
  login(email: string, password: string, headers?: Record<string, string>): Promise<LoginBody>;
  close(keepDatabase?: boolean): Promise<void>;
}

export interface LoginBody {
  accessToken: string;
  tokenType: string;
  expiresIn: number;
  refreshToken: string;
  user: { id: string; email: string; name: string };
}

let counter = 0;
export const uniqueEmail = (prefix = "user") =>
  `${prefix}-${Date.now().toString(36)}-${++counter}@example.com`;

/**
 * The real auth service on a real HTTP port against a throwaway database on the real server.
 * `env` overrides config variables (e.g. tighter throttling limits).
 */
export async function startAuth(
  env: Record<string, string> = {},
  reuse?: { database: TestDatabase; privateKey: CryptoKey; port?: number },
): Promise<AuthHarness & { database: TestDatabase; grpcPort?: number }> {
  const database = reuse?.database ?? (await createTestDatabase("auth"));
  const privateKey =
    reuse?.privateKey ?? (await generateKeyPair("ES256", { extractable: true })).privateKey;
  const config = loadAuthConfig({
    DEPLOY_ENV: "test",
    LOG_LEVEL: "debug",
    AUTH_PORT: "3001",
    AUTH_DATABASE_URL: database.url,
    AUTH_JWT_PRIVATE_KEY: await exportPKCS8(privateKey),
    // Off the development exchange, so a running `npm run dev` consumer never sees test sign-ups.
    EVENTS_EXCHANGE: "test.auth.events",
    ...env,
  });
  const lines: string[] = [];
  let offsetMs = 0;
  const service = await startService(authService, config, {
    clock: () => new Date(Date.now() + offsetMs),
    logDestination: { write: (line: string) => void lines.push(line) },
    httpPort: reuse?.port ?? 0,
    handleSignals: false,
  });
  const { grpcPort } = service;

  const request = (method: string, path: string, body?: unknown, headers = {}) =>
    fetchDocumented(service.app, `${service.url}${path}`, {
      method,
      headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });

  const harness: AuthHarness & { database: TestDatabase; grpcPort?: number } = {
    database,
    grpcPort,
    url: service.url,
    get logs() {
      return lines.map((line) => JSON.parse(line));
    },
    rawLogs: () => lines.join(""),
    privateKey,
    advance(seconds: number) {
      offsetMs += seconds * 1000;
    },
    post: (path: string, body?: unknown, headers?: Record<string, string>) =>
      request("POST", path, body, headers),
    get: (path: string, headers?: Record<string, string>) =>
      request("GET", path, undefined, headers),
    async signup(overrides: Partial<{ email: string; password: string; name: string }> = {}) {
      const input = {
        email: uniqueEmail(),
        password: "correct horse battery",
        name: "Test User",
        ...overrides,
      };
      const response = await harness.post("/auth/signup", input);
      if (response.status !== 201) throw new Error(`signup failed: ${response.status}`);
      const body = (await response.json()) as { id: string; email: string };
      return { id: body.id, email: body.email, password: input.password };
    },
    async login(
      email: string,
      password: string,
      headers?: Record<string, string>,
    ): Promise<LoginBody> {
      const response = await harness.post("/auth/login", { email, password }, headers);
      if (response.status !== 200) throw new Error(`login failed: ${response.status}`);
      return (await response.json()) as LoginBody;
    },
    /** Stops the service; the database is kept when `keepDatabase` (restart tests). */
    async close(keepDatabase = false) {
      await service.shutdown("test finished");
      if (!keepDatabase) await database.drop();
    },
  };
  return harness;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export async function expectProblem(response: Response, status: number) {
  const { expect } = await import("bun:test");
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  const body = (await response.json()) as {
    type: string;
    title: string;
    status: number;
    detail?: string;
    errors?: { path: string; message: string }[];
  };
  expect(body.status).toBe(status);
  expect(body.type).toStartWith("https://hangout-planner.dev/problems/");
  return body;
}
