import type { ServiceConfig, ServiceDefinition } from "../service/definition.ts";
import { type RunningService, startService } from "../service/start.ts";
import { createTestDatabase, type TestDatabase } from "./database.ts";
import { fetchDocumented } from "./documented-fetch.ts";
import { freePorts } from "./ports.ts";
import type { ServiceProcess } from "./service-process.ts";
import {
  cleanup,
  commonEnv,
  type FilePeer,
  type Peer,
  startAuthPeer,
  startFilePeer,
  startMediaPeer,
} from "./stack-peers.ts";
import { startTestCa, type TestCa } from "./step-ca.ts";

export type { FilePeer, Peer } from "./stack-peers.ts";

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

export interface TestStack<C extends ServiceConfig, D> {
  ca: TestCa;
  auth: Peer;
  file: FilePeer;
  /** The media worker, when the stack was asked for it. */
  media: ServiceProcess | undefined;
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
  /**
   * The exchange the service under test uses: file publishes there too. Without it file
   * publishes to its default exchange, which nobody in the stack reads.
   */
  exchange?: string;
  /** Runs the media worker on the exchange (needs `exchange`); `env` adds its variables. */
  media?: { env?: Record<string, string> };
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
    const ports = freePorts(5);
    const events: Record<string, string> = options.exchange
      ? { EVENTS_EXCHANGE: options.exchange }
      : {};
    const starts = [
      startAuthPeer(ca, { http: ports[0]!, grpc: ports[1]! }, undo),
      startFilePeer(ca, { http: ports[2]!, grpc: ports[3]! }, undo, events),
      createTestDatabase(definition.name).then((database) => {
        undo.add(() => database.drop());
        return database;
      }),
    ] as const;
    // Every start settled first, so a failure undoes what the others made too.
    await Promise.allSettled(starts);
    const [auth, file, database] = await Promise.all(starts);
    if (options.media && !options.exchange) throw new Error("the media worker needs an exchange");
    const media =
      options.media && options.exchange
        ? await startMediaPeer(
            ca,
            ports[4]!,
            { file, exchange: options.exchange, env: options.media.env },
            undo,
          )
        : undefined;

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
      media,
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
