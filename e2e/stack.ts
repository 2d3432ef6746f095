import { type RunningService, startService } from "@hangout/platform/service/start";
import { createTestDatabase, type TestDatabase } from "@hangout/platform/testing/database";
import { fetchDocumented } from "@hangout/platform/testing/documented-fetch";
import { freePort } from "@hangout/platform/testing/ports";
import { startTestCa, type TestCa } from "@hangout/platform/testing/step-ca";
import { startAuth } from "../services/auth/test/harness.ts";
import { type FileHarness, startFileService } from "../services/file/test/harness.ts";
import { hangoutService } from "../services/hangout/src/app.ts";
import { type HangoutConfig, loadHangoutConfig } from "../services/hangout/src/config.ts";
import type { HangoutDeps } from "../services/hangout/src/deps.ts";

export interface TestUser {
  id: string;
  email: string;
  name: string;
  token: string;
}

export interface Api {
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  post(path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  patch(path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  put(path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  delete(path: string, headers?: Record<string, string>): Promise<Response>;
}

export interface Stack {
  ca: TestCa;
  auth: Awaited<ReturnType<typeof startAuth>>;
  file: FileHarness;
  hangout: RunningService<HangoutConfig, HangoutDeps>;
  hangoutUrl: string;
  hangoutDatabase: TestDatabase;
  /** The hangout service's log lines (captured, not printed). */
  hangoutLogs: string[];
  /** Signs a new user up and logs them in. */
  user(name?: string): Promise<TestUser>;
  /** Requests to the hangout service as `user` (or anonymous). */
  as(user?: TestUser): Api;
  /** Moves the hangout service's clock forward. */
  advance(seconds: number): void;
  stop(): Promise<void>;
}

let counter = 0;

/**
 * The embedded stack in one process, for end-to-end tests: a real step-ca issuing every
 * certificate, auth (HTTP + UserDirectory gRPC), file (gRPC + an S3-compatible store) and
 * hangout, each on its own throwaway database on the real MySQL-compatible server.
 */
export async function startStack(env: Record<string, string> = {}): Promise<Stack> {
  const ca = await startTestCa();
  const auth = await startAuth({ ...ca.envFor("auth"), AUTH_GRPC_PORT: String(freePort()) });
  const file = await startFileService(ca);
  const hangoutDatabase = await createTestDatabase("hangout");
  let offsetMs = 0;
  const hangoutLogs: string[] = [];
  const hangout = await startService(
    hangoutService,
    loadHangoutConfig({
      DEPLOY_ENV: "test",
      LOG_LEVEL: "warn",
      HANGOUT_DATABASE_URL: hangoutDatabase.url,
      AUTH_JWKS_URL: `${auth.url}/.well-known/jwks.json`,
      AUTH_GRPC_TARGET: `localhost:${auth.grpcPort}`,
      FILE_GRPC_TARGET: `localhost:${file.grpcPort}`,
      GRPC_TIMEOUT_MS: "3000",
      HANGOUT_SWEEP_INTERVAL_SECONDS: "3600",
      CERT_LIFETIME: "10m",
      ...ca.envFor("hangout"),
      ...env,
    }),
    {
      clock: () => new Date(Date.now() + offsetMs),
      logDestination: { write: (line: string) => void hangoutLogs.push(line) },
      httpPort: 0,
      handleSignals: false,
    },
  );

  const as = (user?: TestUser): Api => {
    const request = (method: string, path: string, body?: unknown, headers = {}) =>
      fetchDocumented(hangout.app, `${hangout.url}${path}`, {
        method,
        headers: {
          ...(user ? { authorization: `Bearer ${user.token}` } : {}),
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...headers,
        },
        body:
          body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      });
    return {
      get: (path, headers) => request("GET", path, undefined, headers),
      post: (path, body, headers) => request("POST", path, body, headers),
      patch: (path, body, headers) => request("PATCH", path, body, headers),
      put: (path, body, headers) => request("PUT", path, body, headers),
      delete: (path, headers) => request("DELETE", path, undefined, headers),
    };
  };

  return {
    ca,
    auth,
    file,
    hangout,
    hangoutUrl: hangout.url,
    hangoutDatabase,
    hangoutLogs,
    as,
    async user(name = `User ${++counter}`) {
      const { id, email, password } = await auth.signup({ name });
      const login = await auth.login(email, password);
      return { id, email, name, token: login.accessToken };
    },
    advance(seconds) {
      offsetMs += seconds * 1000;
    },
    async stop() {
      await hangout.shutdown("test finished");
      await hangoutDatabase.drop();
      await file.close();
      await auth.close();
      await ca.stop();
    },
  };
}
