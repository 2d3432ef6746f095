import { exportPKCS8, generateKeyPair } from "jose";
import type { ServiceConfig, ServiceDefinition } from "../service/definition.ts";
import { type RunningService, startService } from "../service/start.ts";
import { createTestDatabase, type TestDatabase } from "./database.ts";
import { fetchDocumented } from "./documented-fetch.ts";
import { freePorts } from "./ports.ts";
import { type LocalS3, startLocalS3 } from "./s3-server.ts";
import { type ServiceProcess, startServiceProcess } from "./service-process.ts";
import { startTestCa, type TestCa } from "./step-ca.ts";

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

/** A peer service running as its own process on its own throwaway database. */
export interface Peer {
  process: ServiceProcess;
  /** Its HTTP base URL. */
  url: string;
  /** `localhost:<port>` of its gRPC server (mTLS, certificates from the stack's CA). */
  grpcTarget: string;
  database: TestDatabase;
}

export interface FilePeer extends Peer {
  /** The S3-compatible store the file service keeps objects in (in this process). */
  s3: LocalS3;
  /** Whether the store holds an object under `key`. */
  hasObject(key: string): Promise<boolean>;
}

export interface TestStack<C extends ServiceConfig, D> {
  ca: TestCa;
  auth: Peer;
  file: FilePeer;
  /** The service under test, in this process. */
  service: RunningService<C, D>;
  database: TestDatabase;
  /** The service's log lines (captured, not printed). */
  logs: string[];
  /** Signs a new user up with the auth service and logs them in. */
  user(name?: string): Promise<TestUser>;
  /** Requests to the service under test as `user` (or anonymous). */
  as(user?: TestUser): Api;
  /** Moves the service's clock forward (the peers keep the real time). */
  advance(seconds: number): void;
  stop(): Promise<void>;
}

export interface StackOptions<C extends ServiceConfig, D> {
  service: ServiceDefinition<C, D>;
  /** The service's own variables, given its database and where the peers listen. */
  env(context: { database: TestDatabase; auth: Peer; file: FilePeer }): Record<string, string>;
}

/** What every process and the service under test get: quiet logs, short-lived certificates. */
const commonEnv = {
  DEPLOY_ENV: "test",
  LOG_LEVEL: "warn",
  CERT_LIFETIME: "10m",
  SHUTDOWN_TIMEOUT_MS: "5000",
};

interface PeerPorts {
  http: number;
  grpc: number;
}

/** Undoes what a start made so far, newest first, so a failed start leaves nothing behind. */
function cleanup() {
  const steps: (() => Promise<unknown>)[] = [];
  return {
    add(step: () => Promise<unknown>) {
      steps.unshift(step);
    },
    async run() {
      for (const step of steps.splice(0)) await step().catch(() => undefined);
    },
  };
}

async function startAuthPeer(
  ca: TestCa,
  { http: port, grpc: grpcPort }: PeerPorts,
  undo: ReturnType<typeof cleanup>,
): Promise<Peer> {
  const database = await createTestDatabase("auth");
  undo.add(() => database.drop());
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  const url = `http://127.0.0.1:${port}`;
  const child = await startServiceProcess({
    name: "auth",
    entry: "services/auth/src/main.ts",
    url,
    env: {
      ...commonEnv,
      AUTH_HOST: "127.0.0.1",
      AUTH_PORT: String(port),
      AUTH_GRPC_PORT: String(grpcPort),
      AUTH_DATABASE_URL: database.url,
      AUTH_JWT_PRIVATE_KEY: await exportPKCS8(privateKey),
      ...ca.envFor("auth"),
    },
  });
  undo.add(() => child.stop());
  return { process: child, url, grpcTarget: `localhost:${grpcPort}`, database };
}

async function startFilePeer(
  ca: TestCa,
  { http: port, grpc: grpcPort }: PeerPorts,
  undo: ReturnType<typeof cleanup>,
): Promise<FilePeer> {
  const database = await createTestDatabase("file");
  undo.add(() => database.drop());
  const s3 = await startLocalS3();
  undo.add(() => s3.stop());
  const url = `http://127.0.0.1:${port}`;
  const child = await startServiceProcess({
    name: "file",
    entry: "services/file/src/main.ts",
    url,
    env: {
      ...commonEnv,
      FILE_HOST: "127.0.0.1",
      FILE_HTTP_PORT: String(port),
      FILE_GRPC_PORT: String(grpcPort),
      FILE_DATABASE_URL: database.url,
      // Its reaper would race tests that age uploads on purpose.
      FILE_REAPER_INTERVAL_SECONDS: "3600",
      ...s3.env,
      ...ca.envFor("file"),
    },
  });
  undo.add(() => child.stop());
  const store = new Bun.S3Client({
    endpoint: s3.endpoint,
    bucket: s3.env.S3_BUCKET,
    region: s3.env.S3_REGION,
    accessKeyId: s3.env.S3_ACCESS_KEY_ID,
    secretAccessKey: s3.env.S3_SECRET_ACCESS_KEY,
  });
  return {
    process: child,
    url,
    grpcTarget: `localhost:${grpcPort}`,
    database,
    s3,
    hasObject: (key) => store.exists(key),
  };
}

let counter = 0;

/**
 * The system around one service under test: a real step-ca issuing every certificate, auth and
 * file as real processes started from their entry files (each on its own throwaway database, file
 * with an S3-compatible store in this process), and the service itself in this process, so a test
 * keeps its clock and its `deps`.
 */
export async function startStack<C extends ServiceConfig, D>(
  options: StackOptions<C, D>,
): Promise<TestStack<C, D>> {
  const undo = cleanup();
  try {
    const ca = await startTestCa();
    undo.add(() => ca.stop());
    const definition = options.service;
    // Chosen together, so no two of them are the same.
    const ports = freePorts(4);
    const starts = [
      startAuthPeer(ca, { http: ports[0]!, grpc: ports[1]! }, undo),
      startFilePeer(ca, { http: ports[2]!, grpc: ports[3]! }, undo),
      createTestDatabase(definition.name).then((database) => {
        undo.add(() => database.drop());
        return database;
      }),
    ] as const;
    // Every start settled first, so a failure undoes what the others made too.
    await Promise.allSettled(starts);
    const [auth, file, database] = await Promise.all(starts);

    let offsetMs = 0;
    const logs: string[] = [];
    const service = await startService(
      definition,
      definition.loadConfig({
        ...commonEnv,
        ...ca.envFor(definition.name),
        ...options.env({ database, auth, file }),
      }),
      {
        clock: () => new Date(Date.now() + offsetMs),
        logDestination: { write: (line: string) => void logs.push(line) },
        httpPort: 0,
        handleSignals: false,
      },
    );
    undo.add(() => service.shutdown("test finished"));

    const as = (user?: TestUser): Api => {
      const request = (method: string, path: string, body?: unknown, headers = {}) =>
        fetchDocumented(service.app, `${service.url}${path}`, {
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
      service,
      database,
      logs,
      as,
      user: (name = `User ${++counter}`) => signUp(auth.url, name),
      advance(seconds) {
        offsetMs += seconds * 1000;
      },
      stop: () => undo.run(),
    };
  } catch (error) {
    await undo.run();
    throw error;
  }
}

/** Signs a user up over auth's public API and logs them in. */
async function signUp(authUrl: string, name: string): Promise<TestUser> {
  const email = `user-${Date.now().toString(36)}-${++counter}@example.com`;
  const password = "correct horse battery";
  const post = async (path: string, body: unknown, expected: number) => {
    const response = await fetch(`${authUrl}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (response.status !== expected) {
      throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
    }
    return response.json();
  };
  const user = (await post("/auth/signup", { email, password, name }, 201)) as {
    id: string;
    email: string;
  };
  const { accessToken } = (await post("/auth/login", { email, password }, 200)) as {
    accessToken: string;
  };
  return { id: user.id, email: user.email, name, token: accessToken };
}
