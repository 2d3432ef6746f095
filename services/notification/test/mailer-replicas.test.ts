import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createDatabase, createPool } from "@hangout/platform/db";
import { createHotSql } from "@hangout/platform/hot-sql";
import { createLogger } from "@hangout/platform/logger";
import { schema } from "../src/db/schema.ts";
import { createSmtpTransport } from "../src/repositories/smtp.ts";
import { createUserDirectory } from "../src/repositories/users.ts";
import { createEmailComposer } from "../src/services/compose-email.ts";
import { createMailer, type Mailer } from "../src/services/mailer.ts";
import {
  hangoutContent,
  type NotificationStack,
  onlyMessage,
  startNotificationStack,
  type TestUser,
} from "./harness.ts";

/*
 * Mailers of several replicas on one database, each with its own pools and SMTP connections:
 * every delivery goes out once, and a mailer told to stop finishes only the email in hand.
 * What one mailer sends: mailer.test.ts.
 */

let env: NotificationStack;
let ann: TestUser;
let bob: TestUser;
let n = 0;
const title = (what: string) => `${what} ${++n}`;

beforeAll(async () => {
  env = await startNotificationStack();
  ann = await env.user("Ann Organiser");
  bob = await env.user("Bob Friend");
});
afterAll(() => env?.stop());

/** Another replica's mailer: its own pools and SMTP connections, on the same database. */
function replicaMailer(options: { clock?: () => Date; batchSize: number }) {
  const { config, platform, clock, unsubscribe } = env.deps;
  const url = env.service.config.NOTIFICATION_DATABASE_URL;
  const pool = createPool(url, { connectionLimit: 4 });
  const hot = createHotSql(url, { connections: 2 });
  const transport = createSmtpTransport(config);
  const mailer = createMailer({
    db: createDatabase(pool, schema),
    pool,
    hot,
    users: createUserDirectory(config, env.service.certificates!, platform),
    transport,
    compose: createEmailComposer(config, unsubscribe),
    clock: options.clock ?? clock,
    logger: createLogger({ service: "replica", level: "silent" }),
    pollIntervalMs: 20,
    maxAttempts: 8,
    batchSize: options.batchSize,
    leaseMs: 300_000,
  });
  return {
    mailer,
    async close() {
      await mailer.stop();
      transport.close();
      await hot.close();
      await pool.end();
    },
  };
}

const cancelled = (name: string) =>
  hangoutContent({ title: name, change: "cancelled", changes: ["cancelled"], actorId: ann.id });

describe("mailers in several replicas", () => {
  test("two mailers at once send each delivery once", async () => {
    // Small batches, so that the rounds of the three mailers interleave.
    const replica = replicaMailer({ batchSize: 2 });
    const drain = async (mailer: Mailer) => {
      while ((await mailer.runOnce()).claimed > 0);
    };
    try {
      const name = title("Crowd");
      const guests = await Promise.all([1, 2, 3].map((i) => env.user(`Guest ${i}`)));
      const people = [ann, bob, ...guests];
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) {
        const to = { userId: people[i % people.length]!.id };
        ids.push(await env.queue({ to, kind: "update", content: cancelled(`${name}.${i}`) }));
      }
      // The service's own mailer runs too (woken by each queue above): three at once.
      await Promise.all([drain(replica.mailer), drain(replica.mailer), drain(env.deps.mailer)]);
      for (const id of ids) {
        expect((await env.until(id, (r) => r.status !== "pending")).status).toBe("sent");
      }
      for (let i = 0; i < 12; i++) await onlyMessage(env.sink, `"${name}.${i}" is cancelled`);
      await Bun.sleep(300);
      const copies = env.sink.messages().filter((m) => m.subject.startsWith(`"${name}.`));
      expect(copies).toHaveLength(12);
    } finally {
      await replica.close();
    }
  });

  test("stopping finishes the email being sent and leaves the rest of its batch pending", async () => {
    // Due in half an hour: only this mailer, an hour ahead, finds them.
    const hour = 3_600_000;
    const replica = replicaMailer({
      clock: () => new Date(env.deps.clock().getTime() + hour),
      batchSize: 5,
    });
    const name = title("Interrupted");
    const dueAt = new Date(env.deps.clock().getTime() + hour / 2);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const content = cancelled(`${name}.${i}`);
      ids.push(
        await env.queue(
          { to: { userId: bob.id }, kind: "update", content },
          { wake: false, dueAt },
        ),
      );
    }
    let stopping: Promise<void> | undefined;
    // Told to stop while the server is taking the first email, before it answered.
    const stopListening = env.sink.onMessage((m) => {
      if (m.subject.startsWith(`"${name}.`)) stopping ??= replica.mailer.stop();
    });
    try {
      replica.mailer.start();
      await env.sink.waitFor((m) => m.subject.startsWith(`"${name}.`));
      await stopping;
      const rows = await Promise.all(ids.map((id) => env.delivery(id)));
      expect(rows.map((r) => r.status).sort()).toEqual(["pending", "pending", "pending", "sent"]);
      expect(env.sink.messages().filter((m) => m.subject.startsWith(`"${name}.`))).toHaveLength(1);
    } finally {
      stopListening();
      await replica.close();
      // Not for the mailers of later tests.
      await env.pool.query("UPDATE deliveries SET status = 'skipped' WHERE id IN (?)", [ids]);
    }
  });
});
