/**
 * auth, hangout and notification as real processes (`bun services/<name>/src/main.ts`), wired
 * through the real broker on an exchange and queues of this run's own, sending to a real SMTP
 * sink in the test process: the path an event takes from a request to an email, with nothing
 * in between stood in for. Each process gets a certificate from a test step-ca (gRPC is mTLS)
 * and a throwaway migrated database. With `photos`, file (its store in this process) and the media
 * worker run too, so an uploaded photo goes through the whole pipeline.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPool } from "@hangout/platform/db";
import { cleanUp } from "@hangout/platform/inbox/inbox.fixture";
import { createTestDatabase, type TestDatabase } from "@hangout/platform/testing/database";
import { type MailSink, startMailSink } from "@hangout/platform/testing/mail-sink";
import { freePorts } from "@hangout/platform/testing/ports";
import {
  type ServiceProcess,
  startServiceProcess,
} from "@hangout/platform/testing/service-process";
import {
  type FilePeer,
  startFilePeer,
  startMediaPeer,
} from "@hangout/platform/testing/stack-peers";
import { startTestCa, type TestCa } from "@hangout/platform/testing/step-ca";
import { type StackClient, stackClient, until } from "./events-stack-client.fixture.ts";

// The tests import what they do with a stack from here too, with the stack itself.
export {
  type CallOptions,
  json,
  type Person,
  type SunkMessage,
  sentTo,
  until,
} from "./events-stack-client.fixture.ts";

/** Links in emails point here; nothing needs to answer at it. */
export const WEB_APP_URL = "https://web.e2e.example.test";

/** clamd as scripts/ensure-clamav.sh starts it (the test runners run the script first). */
const CLAMD_SOCKET = process.env.CLAMD_SOCKET ?? "/tmp/hangout-clamd/clamd.sock";

export interface EventsStack extends StackClient {
  ca: TestCa;
  sink: MailSink;
  broker: { exchange: string; hangoutQueue: string; notificationQueue: string };
  authUrl: string;
  hangoutUrl: string;
  notificationUrl: string;
  processes: ServiceProcess[];
  /** The file service and its store, when started with `photos`. */
  file: FilePeer | undefined;
  /** The media worker, when started with `photos`. */
  media: ServiceProcess | undefined;
  stop(): Promise<void>;
}

export interface EventsStackOptions {
  /** Runs file (instead of a dead port) and the media worker, scanning with clamd. */
  photos?: boolean;
  /**
   * The web app's origin, when a browser uses this stack through it: links in emails (the
   * unsubscribe link included) point there and the bucket's CORS lets its pages upload.
   */
  webAppUrl?: string;
}

/** Undoes what a start made so far, newest first, so a failed start leaves nothing behind. */
function undoList() {
  const steps: (() => Promise<unknown>)[] = [];
  return {
    add: (step: () => Promise<unknown>) => void steps.unshift(step),
    async run() {
      for (const step of steps.splice(0)) await step().catch(() => undefined);
    },
  };
}

/** Every readiness check of the service answers ok (consumers bound, relays connected). */
async function allChecksOk(service: ServiceProcess) {
  await until(`${service.name} fully ready`, async () => {
    const response = await fetch(`${service.url}/readyz`, { signal: AbortSignal.timeout(2000) });
    const body = (await response.json()) as { checks: Record<string, string> };
    return Object.values(body.checks).every((status) => status === "ok") ? true : undefined;
  });
}

/**
 * Starts the three services (five with `photos`). `env` is added to every one of them (e.g.
 * where to export spans).
 */
export async function startEventsStack(
  env: Record<string, string> = {},
  options: EventsStackOptions = {},
): Promise<EventsStack> {
  const undo = undoList();
  try {
    const tag = `${Date.now().toString(36)}.${crypto.randomUUID().slice(0, 8)}`;
    const broker = {
      exchange: `test.e2e-notify.${tag}`,
      hangoutQueue: `test.e2e-notify.${tag}.hangout`,
      notificationQueue: `test.e2e-notify.${tag}.notification`,
    };
    // The queues exist from the consumers' first connect; removing them is this run's job.
    undo.add(() => cleanUp({ exchange: broker.exchange, queue: broker.hangoutQueue }));
    undo.add(() => cleanUp({ exchange: broker.exchange, queue: broker.notificationQueue }));
    if (options.photos) {
      undo.add(() => cleanUp({ exchange: broker.exchange, queue: `${broker.exchange}.media` }));
    }

    const ca = await startTestCa();
    undo.add(() => ca.stop());
    const sink = await startMailSink({ smtpPort: 0, httpPort: 0 });
    undo.add(() => sink.stop());
    const databases: Record<string, TestDatabase> = {};
    for (const service of ["auth", "hangout", "notification"]) {
      const database = await createTestDatabase(service);
      undo.add(() => database.drop());
      databases[service] = database;
    }
    const keyDir = await mkdtemp(join(tmpdir(), "e2e-events-auth-"));
    undo.add(() => rm(keyDir, { recursive: true, force: true }));

    // Without `photos`, the file port is never listened on: hangout's file client is unused then.
    const [authPort, authGrpcPort, hangoutPort, notificationPort, ...rest] = freePorts(7);
    const [filePort, fileHttpPort, mediaPort] = rest as [number, number, number];
    const authUrl = `http://127.0.0.1:${authPort}`;
    const hangoutUrl = `http://127.0.0.1:${hangoutPort}`;
    const notificationUrl = `http://127.0.0.1:${notificationPort}`;
    const events = {
      ...(process.env.TEST_AMQP_URL ? { AMQP_URL: process.env.TEST_AMQP_URL } : {}),
      EVENTS_EXCHANGE: broker.exchange,
    };
    const common = (service: string) => ({
      DEPLOY_ENV: "test",
      LOG_LEVEL: "warn",
      CERT_LIFETIME: "10m",
      SHUTDOWN_TIMEOUT_MS: "5000",
      ...events,
      ...ca.envFor(service),
      ...env,
    });
    const start = async (name: string, url: string, own: Record<string, string>) => {
      const child = await startServiceProcess({
        name,
        entry: `services/${name}/src/main.ts`,
        url,
        env: { ...common(name), ...own },
      });
      undo.add(() => child.stop());
      return child;
    };

    const auth = await start("auth", authUrl, {
      AUTH_PORT: String(authPort),
      AUTH_GRPC_PORT: String(authGrpcPort),
      AUTH_DATABASE_URL: databases.auth!.url,
      AUTH_JWT_PRIVATE_KEY_FILE: join(keyDir, "jwt.pem"),
    });
    const jwks = `${authUrl}/.well-known/jwks.json`;
    const file = options.photos
      ? await startFilePeer(ca, { http: fileHttpPort, grpc: filePort }, undo, {
          ...events,
          ...(options.webAppUrl ? { S3_CORS_ORIGINS: options.webAppUrl } : {}),
          ...env,
        })
      : undefined;
    const mediaEnv = { ...events, CLAMD_SOCKET, ...env };
    const media = file
      ? await startMediaPeer(
          ca,
          mediaPort,
          { file, exchange: broker.exchange, env: mediaEnv },
          undo,
        )
      : undefined;
    const hangout = await start("hangout", hangoutUrl, {
      HANGOUT_PORT: String(hangoutPort),
      HANGOUT_DATABASE_URL: databases.hangout!.url,
      HANGOUT_EVENTS_QUEUE: broker.hangoutQueue,
      HANGOUT_SWEEP_INTERVAL_SECONDS: "3600",
      AUTH_JWKS_URL: jwks,
      AUTH_GRPC_TARGET: `localhost:${authGrpcPort}`,
      FILE_GRPC_TARGET: `localhost:${filePort}`,
    });
    const notification = await start("notification", notificationUrl, {
      NOTIFICATION_PORT: String(notificationPort),
      NOTIFICATION_DATABASE_URL: databases.notification!.url,
      NOTIFICATION_QUEUE: broker.notificationQueue,
      NOTIFICATION_PUBLIC_URL: options.webAppUrl ?? notificationUrl,
      WEB_APP_URL: options.webAppUrl ?? WEB_APP_URL,
      SMTP_URL: sink.smtpUrl,
      UNSUBSCRIBE_SECRET: `e2e-${crypto.randomUUID()}`,
      MAIL_POLL_INTERVAL_MS: "200",
      REMINDER_INTERVAL_SECONDS: "3600",
      AUTH_JWKS_URL: jwks,
      AUTH_GRPC_TARGET: `localhost:${authGrpcPort}`,
    });
    const processes = [auth, hangout, notification];
    if (file && media) processes.push(file.process, media);
    // An event published before a queue is bound would be lost to it.
    for (const child of processes) await allChecksOk(child);

    const pool = createPool(databases.notification!.url, { connectionLimit: 2 });
    undo.add(() => pool.end());

    return {
      ca,
      sink,
      broker,
      authUrl,
      hangoutUrl,
      notificationUrl,
      processes,
      file,
      media,
      ...stackClient(authUrl, tag, pool),
      stop: () => undo.run(),
    };
  } catch (error) {
    await undo.run();
    throw error;
  }
}
