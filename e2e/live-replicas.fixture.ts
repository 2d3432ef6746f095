/**
 * Two hangout replicas as real processes (`bun services/hangout/src/main.ts` twice, each on its
 * own port) over one database and one exchange, with auth as a process beside them: what a
 * deployment of more than one replica runs. Each process gets its certificate from a test step-ca
 * (hangout calls auth over mTLS for member names).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanUp } from "@hangout/platform/inbox/inbox.fixture";
import { testExchange } from "@hangout/platform/outbox/outbox.fixture";
import { createTestDatabase } from "@hangout/platform/testing/database";
import { freePorts } from "@hangout/platform/testing/ports";
import {
  type ServiceProcess,
  startServiceProcess,
} from "@hangout/platform/testing/service-process";
import { startTestCa } from "@hangout/platform/testing/step-ca";
import { json, type Person, until } from "./events-stack.fixture.ts";

export type { Person };
export { json };

export interface Replicas {
  /** Replica A's and replica B's HTTP base URLs. */
  a: string;
  b: string;
  /** Signs a fresh address up with auth and logs in. */
  signUp(name: string): Promise<Person>;
  /** A JSON request to `url` as `person`. */
  call(method: string, url: string, as: Person, body?: unknown): Promise<Response>;
  stop(): Promise<void>;
}

/** Every readiness check answers ok, the live fan-out's too (it is not critical for /readyz). */
const fullyReady = (service: ServiceProcess) =>
  until(`${service.name} fully ready`, async () => {
    const response = await fetch(`${service.url}/readyz`, { signal: AbortSignal.timeout(2000) });
    const body = (await response.json()) as { checks: Record<string, string> };
    return Object.values(body.checks).every((status) => status === "ok") ? true : undefined;
  });

let people = 0;

/** Starts auth and two hangout replicas; `env` is added to both replicas. */
export async function startReplicas(env: Record<string, string>): Promise<Replicas> {
  // Run newest first by stop(), so a failed start leaves nothing behind either.
  const undo: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const step of undo.splice(0).reverse()) await step().catch(() => undefined);
  };
  try {
    const exchange = testExchange();
    const queue = `${exchange}.hangout`;
    // Created by the consumers' first connect; removing them is this run's job.
    undo.push(() => cleanUp({ exchange, queue }));
    const ca = await startTestCa();
    undo.push(() => ca.stop());
    const authDatabase = await createTestDatabase("auth");
    undo.push(() => authDatabase.drop());
    const hangoutDatabase = await createTestDatabase("hangout");
    undo.push(() => hangoutDatabase.drop());
    const keyDir = await mkdtemp(join(tmpdir(), "e2e-live-auth-"));
    undo.push(() => rm(keyDir, { recursive: true, force: true }));

    // The last port is never listened on: hangout's file client, unused on these paths.
    const [authPort, authGrpcPort, aPort, bPort, nobodyPort] = freePorts(5);
    const start = async (
      name: string,
      service: string,
      port: number,
      own: Record<string, string>,
    ) => {
      const child = await startServiceProcess({
        name,
        entry: `services/${service}/src/main.ts`,
        url: `http://127.0.0.1:${port}`,
        env: {
          DEPLOY_ENV: "test",
          LOG_LEVEL: "warn",
          CERT_LIFETIME: "10m",
          SHUTDOWN_TIMEOUT_MS: "5000",
          ...(process.env.TEST_AMQP_URL ? { AMQP_URL: process.env.TEST_AMQP_URL } : {}),
          EVENTS_EXCHANGE: exchange,
          ...ca.envFor(service),
          ...own,
        },
      });
      undo.push(() => child.stop());
      return child;
    };

    const auth = await start("auth", "auth", authPort!, {
      AUTH_PORT: String(authPort),
      AUTH_GRPC_PORT: String(authGrpcPort),
      AUTH_DATABASE_URL: authDatabase.url,
      AUTH_JWT_PRIVATE_KEY_FILE: join(keyDir, "jwt.pem"),
    });
    const replica = (name: string, port: number) =>
      start(name, "hangout", port, {
        HANGOUT_PORT: String(port),
        // The same database and queues: replicas of one service, not two services.
        HANGOUT_DATABASE_URL: hangoutDatabase.url,
        HANGOUT_EVENTS_QUEUE: queue,
        HANGOUT_SWEEP_INTERVAL_SECONDS: "3600",
        AUTH_JWKS_URL: `${auth.url}/.well-known/jwks.json`,
        AUTH_GRPC_TARGET: `localhost:${authGrpcPort}`,
        FILE_GRPC_TARGET: `localhost:${nobodyPort}`,
        ...env,
      });
    // One after the other, so a failed start never undoes while another is still starting.
    const a = await replica("hangout-a", aPort!);
    const b = await replica("hangout-b", bPort!);
    // A signal published before a replica's queue is bound would never reach that replica.
    for (const child of [auth, a, b]) await fullyReady(child);

    const call: Replicas["call"] = (method, url, as, body) =>
      fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${as.token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
    const post = (path: string, body: unknown) =>
      fetch(`${auth.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });

    return {
      a: a.url,
      b: b.url,
      call,
      async signUp(name) {
        const email = `live-${Date.now().toString(36)}-${++people}@example.com`;
        const password = "correct horse battery staple";
        const { id } = await json<{ id: string }>(
          await post("/auth/signup", { email, password, name }),
          201,
        );
        const login = await json<{ accessToken: string }>(
          await post("/auth/login", { email, password }),
          200,
        );
        return { id, email, name, token: login.accessToken };
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
