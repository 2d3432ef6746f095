import { createDatabase, createPool } from "@hangout/platform/db";
import { cleanUp, until } from "@hangout/platform/inbox/inbox.fixture";
import type { RunningService } from "@hangout/platform/service/start";
import {
  type MailSink,
  type SunkMessage,
  startMailSink,
} from "@hangout/platform/testing/mail-sink";
import {
  type Api,
  startStack,
  type TestStack,
  type TestUser,
} from "@hangout/platform/testing/stack";
import { eq } from "drizzle-orm";
import type mysql from "mysql2/promise";
import { notificationService } from "../src/app.ts";
import type { NotificationConfig } from "../src/config.ts";
import type { NotificationDatabase } from "../src/db/index.ts";
import { deliveries, type MailKind, schema } from "../src/db/schema.ts";
import type { NotificationDeps } from "../src/deps.ts";

export type { Api, SunkMessage, TestUser };

/** A delivery as the event handlers queue it; the harness fills in the rest. */
export interface QueuedDelivery {
  to: { userId: string } | { email: string };
  kind: MailKind;
  content: Record<string, unknown>;
  hangoutId?: string;
  traceparent?: string | null;
}

export interface NotificationStack {
  stack: TestStack<NotificationConfig, NotificationDeps>;
  service: RunningService<NotificationConfig, NotificationDeps>;
  deps: NotificationDeps;
  /** The SMTP sink the service sends to, with what it received. */
  sink: MailSink;
  /** A pool and Drizzle on the service's database, for arranging and reading rows directly. */
  pool: mysql.Pool;
  db: NotificationDatabase;
  /** Signs a new user up with auth (a real process) and logs them in. */
  user(name?: string): Promise<TestUser>;
  as(user?: TestUser): Api;
  /**
   * Inserts a pending delivery, due now unless `dueAt` says otherwise, and wakes the service's
   * mailer unless told not to; returns its id.
   */
  queue(delivery: QueuedDelivery, options?: { wake?: boolean; dueAt?: Date }): Promise<string>;
  delivery(id: string): Promise<typeof deliveries.$inferSelect>;
  /** Waits until `ready` holds for the delivery's row (the mailer works in the background). */
  until(
    id: string,
    ready: (row: typeof deliveries.$inferSelect) => boolean,
    timeoutMs?: number,
  ): Promise<typeof deliveries.$inferSelect>;
  advance(seconds: number): void;
  stop(): Promise<void>;
}

/** Content as the event handlers write it (services/delivery-content.ts). */
export const hangoutContent = (overrides: Record<string, unknown> = {}) => ({
  title: "Picnic in the park",
  startsAt: "2031-06-15T18:00:00.000Z",
  endsAt: "2031-06-15T21:00:00.000Z",
  locationName: "Parc de la Tête d'Or",
  ...overrides,
});

/** Test-only names on the broker, so no other suite's events reach this consumer. */
const brokerNames = () => {
  const suffix = `${Date.now().toString(36)}.${Math.random().toString(36).slice(2, 8)}`;
  return { exchange: `test.notification.${suffix}`, queue: `test.notification.${suffix}` };
};

/**
 * The notification service in this process (from its definition, as main.ts starts it), with auth
 * and file as real processes around it (`@hangout/platform/testing/stack`), a real step-ca, and
 * a real SMTP sink it sends to. `env` overrides its variables.
 */
export async function startNotificationStack(
  env: Record<string, string> = {},
): Promise<NotificationStack> {
  const sink = await startMailSink({ smtpPort: 0, httpPort: 0 });
  const names = brokerNames();
  let stack: TestStack<NotificationConfig, NotificationDeps>;
  try {
    stack = await startStack({
      service: notificationService,
      env: ({ database, auth }) => ({
        NOTIFICATION_DATABASE_URL: database.url,
        AUTH_JWKS_URL: `${auth.url}/.well-known/jwks.json`,
        AUTH_GRPC_TARGET: auth.grpcTarget,
        GRPC_TIMEOUT_MS: "3000",
        SMTP_URL: sink.smtpUrl,
        EVENTS_EXCHANGE: names.exchange,
        NOTIFICATION_QUEUE: names.queue,
        WEB_APP_URL: "https://web.example.test",
        NOTIFICATION_PUBLIC_URL: "https://api.example.test",
        UNSUBSCRIBE_SECRET: "test-unsubscribe-secret-of-this-suite",
        MAIL_POLL_INTERVAL_MS: "200",
        // Tests run reminders themselves.
        REMINDER_INTERVAL_SECONDS: "3600",
        ...env,
      }),
    });
  } catch (error) {
    await sink.stop();
    throw error;
  }
  // The consumer declares and binds its queue on connecting: an event published before that
  // would be routed nowhere.
  await until(
    () =>
      stack.service.deps.consumer.readiness.check().then(
        () => true,
        () => false,
      ),
    15_000,
    "the service's consumer to be on the broker",
  ).catch(async (error) => {
    await stack.stop();
    await sink.stop();
    throw error;
  });
  const pool = createPool(stack.database.url, { connectionLimit: 4 });
  const db = createDatabase(pool, schema);
  const deps = stack.service.deps;

  const delivery = async (id: string) => {
    const [row] = await db.select().from(deliveries).where(eq(deliveries.id, id));
    if (!row) throw new Error(`no delivery ${id}`);
    return row;
  };

  return {
    stack,
    service: stack.service,
    deps,
    sink,
    pool,
    db,
    user: stack.user,
    as: stack.as,
    advance: stack.advance,
    async queue({ to, kind, content, hangoutId, traceparent }, { wake = true, dueAt } = {}) {
      const id = Bun.randomUUIDv7();
      const now = deps.clock();
      await db.insert(deliveries).values({
        id,
        sourceId: crypto.randomUUID(),
        recipient: "userId" in to ? `user:${to.userId}` : `email:${to.email.toLowerCase()}`,
        userId: "userId" in to ? to.userId : null,
        email: "email" in to ? to.email : null,
        kind,
        hangoutId: hangoutId ?? Bun.randomUUIDv7(),
        content,
        traceparent: traceparent ?? null,
        status: "pending",
        attempts: 0,
        nextAttemptAt: dueAt ?? now,
        createdAt: now,
      });
      if (wake) deps.mailer.wake();
      return id;
    },
    delivery,
    async until(id, ready, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const row = await delivery(id);
        if (ready(row)) return row;
        if (Date.now() > deadline) {
          throw new Error(`delivery ${id} still ${row.status} (${row.outcome ?? "no outcome"})`);
        }
        await Bun.sleep(50);
      }
    },
    async stop() {
      await pool.end();
      await stack.stop();
      await sink.stop();
      await cleanUp(names).catch(() => undefined);
    },
  };
}

/** The one message the sink got with `subject`, failing if it got it twice. */
export async function onlyMessage(sink: MailSink, subject: string): Promise<SunkMessage> {
  const message = await sink.waitFor((m) => m.subject === subject);
  const copies = sink.messages().filter((m) => m.subject === subject);
  if (copies.length !== 1) throw new Error(`"${subject}" arrived ${copies.length} times`);
  return message;
}
