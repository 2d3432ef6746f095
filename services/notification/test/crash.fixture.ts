// Shared by the crash tests: the notification service as its own process, started from main.ts as
// it is deployed, that a test can SIGKILL at a moment of its choosing; a database and broker names
// of its own; and readers of what it queued and what the SMTP sink received.
import { createDatabase, createPool } from "@hangout/platform/db";
import { cleanUp, testNames, until } from "@hangout/platform/inbox/inbox.fixture";
import { createTestDatabase } from "@hangout/platform/testing/database";
import type { SunkMessage } from "@hangout/platform/testing/mail-sink";
import { freePort } from "@hangout/platform/testing/ports";
import { startServiceProcess } from "@hangout/platform/testing/service-process";
import { asc, eq } from "drizzle-orm";
import type { NotificationDatabase } from "../src/db/index.ts";
import { deliveries, inbox, schema } from "../src/db/schema.ts";
import type { NotificationStack } from "./harness.ts";

export { until };

/** The claim of the children's mailers, short so that a killed one's emails go out soon. */
export const CLAIM_SECONDS = 3;

export interface NotificationProcess {
  url: string;
  /** SIGKILL now, no shutdown of any kind; resolves once the process is gone. */
  kill(): Promise<void>;
  /** Sends SIGKILL without waiting: for hooks that must not yield before the kill. */
  killNow(): void;
  /** SIGTERM (a graceful shutdown), SIGKILL past a bound. */
  stop(): Promise<void>;
  /** The signal that ended it, once it ended. */
  exited: Promise<NodeJS.Signals | null>;
  output(): string;
}

export interface ProcessSetup {
  databaseUrl: string;
  names: { exchange: string; queue: string };
  /** Defaults to the stack's sink. */
  smtpUrl?: string;
  env?: Record<string, string>;
}

/**
 * `bun services/notification/src/main.ts` against the stack's auth, CA and SMTP sink, resolved
 * once /readyz answers and its consumer is on the broker (its queue is bound: events published
 * from then on reach it).
 */
export async function startNotificationProcess(
  env: NotificationStack,
  setup: ProcessSetup,
): Promise<NotificationProcess> {
  const config = env.service.config;
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = await startServiceProcess({
    name: "notification",
    entry: "services/notification/src/main.ts",
    url,
    env: {
      DEPLOY_ENV: "test",
      LOG_LEVEL: "warn",
      CERT_LIFETIME: "10m",
      NOTIFICATION_HOST: "127.0.0.1",
      NOTIFICATION_PORT: String(port),
      NOTIFICATION_DATABASE_URL: setup.databaseUrl,
      AUTH_JWKS_URL: config.AUTH_JWKS_URL,
      AUTH_GRPC_TARGET: config.AUTH_GRPC_TARGET,
      AMQP_URL: config.AMQP_URL,
      EVENTS_EXCHANGE: setup.names.exchange,
      NOTIFICATION_QUEUE: setup.names.queue,
      SMTP_URL: setup.smtpUrl ?? env.sink.smtpUrl,
      WEB_APP_URL: config.WEB_APP_URL,
      NOTIFICATION_PUBLIC_URL: config.NOTIFICATION_PUBLIC_URL,
      UNSUBSCRIBE_SECRET: config.UNSUBSCRIBE_SECRET,
      MAIL_POLL_INTERVAL_MS: "100",
      // A dead child's claimed emails are due again this soon.
      MAIL_CLAIM_SECONDS: String(CLAIM_SECONDS),
      REMINDER_INTERVAL_SECONDS: "3600",
      ...env.stack.ca.envFor("notification"),
      ...setup.env,
    },
  });
  // Ready is not enough: its consumer must be on the broker (non-critical in /readyz).
  const consumerCheck = `consumer ${setup.names.queue}`;
  try {
    await until(
      async () => {
        const response = await fetch(`${url}/readyz`).catch(() => undefined);
        const body = (await response?.json().catch(() => undefined)) as
          | { checks?: Record<string, string> }
          | undefined;
        return body?.checks?.[consumerCheck] === "ok";
      },
      30_000,
      "the notification process's consumer",
    );
  } catch (error) {
    await child.stop();
    throw new Error(`${(error as Error).message}; its output:\n${child.output().slice(-4000)}`);
  }
  const { killNow, exited, output } = child;
  const stop = async () => {
    await child.stop();
  };
  return {
    url,
    killNow,
    async kill() {
      killNow();
      await exited;
    },
    stop,
    exited,
    output,
  };
}

/** A migrated `notification` database of the child's own, and broker names of its own. */
export async function childWorld() {
  const database = await createTestDatabase("notification");
  const pool = createPool(database.url, { connectionLimit: 4 });
  const names = testNames();
  return {
    url: database.url,
    names,
    db: createDatabase(pool, schema),
    async drop() {
      await cleanUpBroker(names);
      await pool.end();
      await database.drop();
    },
  };
}

/** Deletes what a child made on the broker for `names` (its queue, retry queues, exchange). */
export const cleanUpBroker = (names: { exchange: string; queue: string }) =>
  cleanUp(names).catch(() => undefined);

export const deliveryRows = (db: NotificationDatabase) =>
  db.select().from(deliveries).orderBy(asc(deliveries.createdAt));

export const inboxIds = async (db: NotificationDatabase) =>
  (await db.select({ id: inbox.eventId }).from(inbox)).map((row) => row.id);

export async function deliveryStatus(db: NotificationDatabase, id: string) {
  const [row] = await db.select().from(deliveries).where(eq(deliveries.id, id));
  if (!row) throw new Error(`no delivery ${id}`);
  return row;
}

/** How many messages each envelope recipient got, among `messages`. */
export function copiesPerRecipient(messages: SunkMessage[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const message of messages) {
    for (const to of message.envelope.to) counts.set(to, (counts.get(to) ?? 0) + 1);
  }
  return counts;
}

/** A number counter's total over the lines of a Prometheus text exposition that match `labels`. */
export async function counterTotal(url: string, name: string, labels: RegExp) {
  const text = await (await fetch(`${url}/metrics`)).text();
  let total = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) || !labels.test(line)) continue;
    total += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return total;
}
