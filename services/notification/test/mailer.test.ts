import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { retryDelayMs } from "../src/services/mailer.ts";
import {
  hangoutContent,
  type NotificationStack,
  onlyMessage,
  startNotificationStack,
  type TestUser,
} from "./harness.ts";

/*
 * The mailer end to end: deliveries queued in the database are sent through a real SMTP sink to
 * the people auth (a real process, over mTLS) knows, with their preferences checked at send time.
 * Several mailers on one database: mailer-replicas.test.ts.
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

describe("an email to a user", () => {
  test("goes to the name and address auth has, with both parts and one-click unsubscribe", async () => {
    const hangoutId = Bun.randomUUIDv7();
    const name = title("Picnic");
    const id = await env.queue({
      to: { userId: bob.id },
      kind: "invitation",
      hangoutId,
      content: hangoutContent({ title: name, invitedBy: ann.id, invitationId: null }),
    });

    const message = await onlyMessage(env.sink, `Ann Organiser invited you to "${name}"`);
    expect(message.to).toEqual([{ name: "Bob Friend", address: bob.email }]);
    expect(message.from.address).toBe("no-reply@hangout-planner.localhost");
    expect(message.text).toContain(`Hi Bob Friend,`);
    expect(message.text).toContain(`https://web.example.test/hangout/${hangoutId}`);
    expect(message.text).toContain("When: Sun 15 Jun 2031, 18:00–21:00 UTC");
    expect(message.html).toContain(`href="https://web.example.test/hangout/${hangoutId}"`);
    expect(message.html).toContain("Parc de la Tête d&#39;Or");

    const [unsubscribe] = message.headers["list-unsubscribe"] ?? [];
    expect(unsubscribe).toMatch(
      /^<https:\/\/api\.example\.test\/notifications\/unsubscribe\?token=[\w-]+\.[\w-]+>$/,
    );
    expect(message.headers["list-unsubscribe-post"]).toEqual(["List-Unsubscribe=One-Click"]);
    const link = unsubscribe?.slice(1, -1) ?? "";
    for (const part of [message.text, message.html]) {
      expect(part).toContain(link);
      expect(part).toContain("https://web.example.test/settings/notifications");
    }

    const row = await env.until(id, (r) => r.status === "sent");
    expect(row.attempts).toBe(1);
    expect(row.outcome).toBe(message.messageId);
    expect(row.finishedAt).toBeInstanceOf(Date);
  });

  test("an update names what happened in the subject", async () => {
    const name = title("Dinner");
    await env.queue({
      to: { userId: bob.id },
      kind: "update",
      content: hangoutContent({
        title: name,
        change: "rescheduled",
        changes: ["rescheduled", "moved"],
        actorId: ann.id,
        locationName: "Berges du Rhône",
      }),
    });
    const message = await onlyMessage(env.sink, `"${name}" has a new time and place`);
    expect(message.text).toContain(`Ann Organiser changed when and where "${name}" takes place.`);
    expect(message.text).toContain("Where: Berges du Rhône");
  });

  test("a title holding markup is shown as text, never as HTML", async () => {
    const name = `<script>alert("x")</script> & <b>bold</b> ${++n}`;
    await env.queue({
      to: { userId: bob.id },
      kind: "update",
      content: hangoutContent({
        title: name,
        change: "confirmed",
        changes: ["confirmed"],
        actorId: ann.id,
      }),
    });
    const message = await onlyMessage(env.sink, `"${name}" is confirmed`);
    expect(message.html).not.toContain("<script>");
    expect(message.html).not.toContain("<b>bold</b>");
    expect(message.html).toContain(
      "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;",
    );
    expect(message.text).toContain(`"${name}"`);
  });

  test("is skipped, not sent, when auth no longer knows the user", async () => {
    const name = title("Ghost");
    const id = await env.queue({
      to: { userId: Bun.randomUUIDv7() },
      kind: "reminder",
      content: hangoutContent({ title: name }),
    });
    const row = await env.until(id, (r) => r.status !== "pending");
    expect(row.status).toBe("skipped");
    expect(row.outcome).toBe("recipient no longer has an account");
    expect(env.sink.messages().some((m) => m.subject.includes(name))).toBe(false);
  });
});

describe("an invitation to an address with no account", () => {
  test("goes to that bare address and links to sign-up with the invitation", async () => {
    const name = title("Barbecue");
    const invitationId = Bun.randomUUIDv7();
    const hangoutId = Bun.randomUUIDv7();
    const address = `zoe-${n}@example.com`;
    await env.queue({
      to: { email: address },
      kind: "invitation",
      hangoutId,
      content: hangoutContent({ title: name, invitedBy: ann.id, invitationId }),
    });
    const message = await onlyMessage(env.sink, `Ann Organiser invited you to "${name}"`);
    expect(message.to).toEqual([{ name: "", address }]);
    const signUp = `https://web.example.test/signup?email=${encodeURIComponent(address)}&invitation=${invitationId}&hangout=${hangoutId}`;
    expect(message.text).toContain(signUp);
    expect(message.html).toContain(`href="${signUp.replaceAll("&", "&amp;")}"`);
    expect(message.text).toContain("Hello,");
    expect(message.text).toContain("Don't email this address again: https://api.example.test/");
    // No account, so no preferences page to point to.
    expect(message.text).not.toContain("/settings/notifications");
    expect(message.headers["list-unsubscribe-post"]).toEqual(["List-Unsubscribe=One-Click"]);
  });
});

describe("preferences at send time", () => {
  test("a kind turned off is skipped even if it was queued before; other kinds still go", async () => {
    const carol = await env.user("Carol");
    const off = await env.as(carol).put("/notifications/preferences", {
      invitation: true,
      update: true,
      reminder: false,
    });
    expect(off.status).toBe(200);
    const name = title("Hike");
    const reminder = await env.queue({
      to: { userId: carol.id },
      kind: "reminder",
      content: hangoutContent({ title: name }),
    });
    const update = await env.queue({
      to: { userId: carol.id },
      kind: "update",
      content: hangoutContent({
        title: name,
        change: "confirmed",
        changes: ["confirmed"],
        actorId: ann.id,
      }),
    });
    await onlyMessage(env.sink, `"${name}" is confirmed`);
    const skipped = await env.until(reminder, (r) => r.status !== "pending");
    expect(skipped.status).toBe("skipped");
    expect(skipped.outcome).toBe("turned off in the recipient's preferences");
    // The sink has it a moment before the mailer's commit marks it sent.
    expect((await env.until(update, (r) => r.status !== "pending")).status).toBe("sent");
    expect(env.sink.messages().some((m) => m.subject.startsWith(`Reminder: "${name}"`))).toBe(
      false,
    );
  });
});

describe("when the SMTP server refuses", () => {
  test("the email is tried again after its back-off and sent once", async () => {
    const name = title("Concert");
    env.sink.refuseNext(1);
    const id = await env.queue({
      to: { userId: bob.id },
      kind: "reminder",
      content: hangoutContent({ title: name }),
    });
    const refused = await env.until(id, (r) => r.attempts === 1);
    expect(refused.status).toBe("pending");
    expect(refused.outcome).toBe("SMTP 451 (EMESSAGE)");
    expect(refused.nextAttemptAt.getTime() - refused.createdAt.getTime()).toBeGreaterThanOrEqual(
      retryDelayMs(1),
    );

    // Not before the back-off is over.
    await env.deps.mailer.runOnce();
    expect((await env.delivery(id)).status).toBe("pending");

    env.advance(retryDelayMs(1) / 1000 + 1);
    env.deps.mailer.wake();
    const message = await onlyMessage(env.sink, `Reminder: "${name}" starts Sun 15 Jun, 18:00 UTC`);
    const sent = await env.until(id, (r) => r.status === "sent");
    expect(sent.attempts).toBe(2);
    expect(sent.outcome).toBe(message.messageId);
  });
});

describe("readiness", () => {
  test("reports the SMTP server (non-critical) and the consumer", async () => {
    const response = await fetch(`${env.service.url}/readyz`);
    const body = (await response.json()) as { status: string; checks: Record<string, string> };
    expect(response.status).toBe(200);
    expect(body.checks.smtp).toBe("ok");
    expect(Object.keys(body.checks)).toEqual(
      expect.arrayContaining([
        "database",
        "smtp",
        `consumer ${env.service.config.NOTIFICATION_QUEUE}`,
      ]),
    );
  });
});
