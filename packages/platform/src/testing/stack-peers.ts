import { exportPKCS8, generateKeyPair } from "jose";
import { createTestDatabase, type TestDatabase } from "./database.ts";
import { type LocalS3, startLocalS3 } from "./s3-server.ts";
import { type ServiceProcess, startServiceProcess } from "./service-process.ts";
import type { TestCa } from "./step-ca.ts";

// The peers of a test stack (./stack.ts): real processes started from their entry files.

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

/** What every process and the service under test get: quiet logs, short-lived certificates. */
export const commonEnv = {
  DEPLOY_ENV: "test",
  LOG_LEVEL: "warn",
  CERT_LIFETIME: "10m",
  SHUTDOWN_TIMEOUT_MS: "5000",
};

export interface PeerPorts {
  http: number;
  grpc: number;
}

/** Undoes what a start made so far, newest first, so a failed start leaves nothing behind. */
export function cleanup() {
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

export async function startAuthPeer(
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

export async function startFilePeer(
  ca: TestCa,
  { http: port, grpc: grpcPort }: PeerPorts,
  undo: ReturnType<typeof cleanup>,
  env: Record<string, string> = {},
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
      ...env,
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

/** What the media worker needs to reach: file's gRPC server, its store and the stack's exchange. */
export interface MediaPeerOptions {
  file: FilePeer;
  exchange: string;
  /** More of media's variables (CLAMD_SOCKET to scan). */
  env?: Record<string, string>;
}

/** The media worker, consuming `<exchange>.media`; no database of its own. */
export async function startMediaPeer(
  ca: TestCa,
  port: number,
  { file, exchange, env = {} }: MediaPeerOptions,
  undo: ReturnType<typeof cleanup>,
): Promise<ServiceProcess> {
  const child = await startServiceProcess({
    name: "media",
    entry: "services/media/src/main.ts",
    url: `http://127.0.0.1:${port}`,
    env: {
      ...commonEnv,
      MEDIA_HOST: "127.0.0.1",
      MEDIA_HTTP_PORT: String(port),
      FILE_GRPC_TARGET: file.grpcTarget,
      EVENTS_EXCHANGE: exchange,
      MEDIA_QUEUE: `${exchange}.media`,
      // As every launcher of the worker runs it (docs/decisions/0018-photo-pipeline.md).
      MALLOC_ARENA_MAX: "2",
      ...file.s3.env,
      ...ca.envFor("media"),
      ...env,
    },
  });
  undo.add(() => child.stop());
  return child;
}
