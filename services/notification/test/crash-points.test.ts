import { afterAll, beforeAll, expect, test } from "bun:test";
import { testNames } from "@hangout/platform/inbox/inbox.fixture";
import {
  CLAIM_SECONDS,
  cleanUpBroker,
  deliveryStatus,
  type NotificationProcess,
  startNotificationProcess,
  until,
} from "./crash.fixture.ts";
import {
  hangoutContent,
  type NotificationStack,
  startNotificationStack,
  type TestUser,
} from "./harness.ts";
import { type CrashPoint, type SmtpTrap, startSmtpTrap } from "./smtp-trap.fixture.ts";

/*
 * The crash points of the mailer's transaction (docs/decisions/0016-email-deliveries.md), each hit
 * on purpose: the notification service runs as its own process (main.ts) whose SMTP traffic goes
 * through a trap that SIGKILLs it at one point of the exchange. The row is then sent by the mailer
 * of the service in this process, on the same database (idle until a test runs it).
 */

let env: NotificationStack;
let trap: SmtpTrap;
let ann: TestUser;
let bob: TestUser;
const names = testNames();
let child: NotificationProcess | undefined;

beforeAll(async () => {
  env = await startNotificationStack({ MAIL_POLL_INTERVAL_MS: "3600000" });
  ann = await env.user("Ann Organiser");
  bob = await env.user("Bob Friend");
  trap = await startSmtpTrap({ host: "127.0.0.1", port: env.sink.smtpPort });
});
afterAll(async () => {
  await child?.stop();
  await trap?.stop();
  await cleanUpBroker(names);
  await env?.stop();
});

let n = 0;

/**
 * Queues one email, lets the child's mailer take it and kills the child at `point`; returns the
 * delivery, its subject and the copies the sink had right after the kill.
 */
async function crashAt(point: CrashPoint) {
  child = await startNotificationProcess(env, {
    databaseUrl: env.service.config.NOTIFICATION_DATABASE_URL,
    names,
    smtpUrl: trap.url,
  });
  const running = child;
  trap.arm(point, () => running.killNow());
  const title = `Crash point ${point} ${++n}`;
  const subject = `"${title}" is cancelled`;
  const content = hangoutContent({
    title,
    change: "cancelled",
    changes: ["cancelled"],
    actorId: ann.id,
  });
  // Not woken: only the child, polling, finds it.
  const id = await env.queue({ to: { userId: bob.id }, kind: "update", content }, { wake: false });
  expect(await running.exited).toBe("SIGKILL");
  child = undefined;
  const copies = () => env.sink.messages().filter((m) => m.subject === subject);
  return { id, copies, afterKill: copies().length };
}

/** The service's own mailer, once the dead child's claim ran out. */
async function sendWithAnotherMailer() {
  await until(
    async () => (await env.deps.mailer.runOnce()).claimed === 1,
    (CLAIM_SECONDS + 10) * 1000,
    "the claimed row to be due again",
  );
}

test("crash point 'claimed, nothing sent yet': the row stays pending and is sent once later", async () => {
  const { id, copies, afterKill } = await crashAt("claimed");
  expect(afterKill).toBe(0);
  const row = await deliveryStatus(env.db, id);
  expect({ status: row.status, attempts: row.attempts }).toEqual({
    status: "pending",
    attempts: 0,
  });

  await sendWithAnotherMailer();
  expect((await deliveryStatus(env.db, id)).status).toBe("sent");
  await Bun.sleep(200);
  expect(copies()).toHaveLength(1);
});

test("crash point 'message sent, not yet accepted by the server': nothing arrived, sent once later", async () => {
  const { id, copies, afterKill } = await crashAt("data-sent");
  expect(afterKill).toBe(0);
  expect((await deliveryStatus(env.db, id)).status).toBe("pending");

  await sendWithAnotherMailer();
  const sent = await deliveryStatus(env.db, id);
  expect(sent.status).toBe("sent");
  await Bun.sleep(200);
  expect(copies()).toHaveLength(1);
  expect(sent.outcome).toBe(copies()[0]?.messageId ?? "none");
});

test("crash point 'accepted by SMTP, not yet committed' (the stated window): the only one sent twice", async () => {
  const { id, copies, afterKill } = await crashAt("accepted");
  // The server has it; the commit that would say so never happened.
  expect(afterKill).toBe(1);
  const row = await deliveryStatus(env.db, id);
  expect({ status: row.status, attempts: row.attempts }).toEqual({
    status: "pending",
    attempts: 0,
  });

  await sendWithAnotherMailer();
  const sent = await deliveryStatus(env.db, id);
  expect(sent.status).toBe("sent");
  await Bun.sleep(200);
  const [second, first] = copies();
  expect(copies()).toHaveLength(2);
  // Two sends, two Message-IDs; the sent log has the one that was committed.
  expect(first?.messageId).not.toBe(second?.messageId);
  expect(sent.outcome).toBe(second?.messageId ?? "none");
});
