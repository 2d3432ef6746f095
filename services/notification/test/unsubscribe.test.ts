import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { PAGE_POLICY } from "../src/routes/html-response.ts";
import { createUnsubscribeTokens } from "../src/services/unsubscribe-tokens.ts";
import {
  hangoutContent,
  type NotificationStack,
  onlyMessage,
  type SunkMessage,
  startNotificationStack,
  type TestUser,
} from "./harness.ts";

/*
 * The unsubscribe link of every email: viewing it changes nothing; the one-click POST (RFC 8058,
 * a form body) turns that kind of email off, and later emails of that kind are skipped.
 */

let env: NotificationStack;
let ann: TestUser;
let n = 0;

beforeAll(async () => {
  env = await startNotificationStack();
  ann = await env.user("Ann Organiser");
});
afterAll(() => env?.stop());

const ONE_CLICK = "List-Unsubscribe=One-Click";
const FORM = { "content-type": "application/x-www-form-urlencoded" };

/** The path and query of the email's List-Unsubscribe URL (its host is the public edge). */
function unsubscribePath(message: SunkMessage): string {
  const header = message.headers["list-unsubscribe"]?.[0] ?? "";
  const url = new URL(header.slice(1, -1));
  expect(url.origin).toBe("https://api.example.test");
  return `${url.pathname}${url.search}`;
}

const preferencesOf = async (user: TestUser): Promise<Record<string, boolean>> =>
  (await env.as(user).get("/notifications/preferences")).json() as Promise<Record<string, boolean>>;

async function invite(to: { userId: string } | { email: string }) {
  const name = `Party ${++n}`;
  const id = await env.queue({
    to,
    kind: "invitation",
    content: hangoutContent({ title: name, invitedBy: ann.id, invitationId: Bun.randomUUIDv7() }),
  });
  return { id, message: await onlyMessage(env.sink, `Ann Organiser invited you to "${name}"`) };
}

describe("a user's unsubscribe link", () => {
  let carol: TestUser;
  let path: string;

  beforeAll(async () => {
    carol = await env.user("Carol");
    path = unsubscribePath((await invite({ userId: carol.id })).message);
  });

  test("viewed (GET), shows a page with the button and changes nothing", async () => {
    for (let i = 0; i < 2; i++) {
      const response = await env.as().get(path);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
      // Nothing but its own markup and form; no other site may frame the one-click button.
      expect(response.headers.get("content-security-policy")).toBe(PAGE_POLICY);
      expect(PAGE_POLICY).toContain("frame-ancestors 'none'");
      expect(PAGE_POLICY).toContain("form-action 'self'");
      const page = await response.text();
      expect(page).toContain("Stop emails about invitations.");
      expect(page).toContain(`<form method="post" action="${path}"`);
      expect(page).toContain('<input type="hidden" name="List-Unsubscribe" value="One-Click">');
    }
    expect(await preferencesOf(carol)).toEqual({ invitation: true, update: true, reminder: true });
  });

  test("one-click POST turns that kind off; later emails of it are skipped, others still go", async () => {
    const response = await env.as().post(path, ONE_CLICK, FORM);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const page = await response.text();
    expect(page).toContain("You won't get emails about invitations any more.");
    expect(page).toContain('href="https://web.example.test/settings/notifications"');
    expect(await preferencesOf(carol)).toEqual({ invitation: false, update: true, reminder: true });

    const later = await env.queue({
      to: { userId: carol.id },
      kind: "invitation",
      content: hangoutContent({ title: "Not for Carol", invitedBy: ann.id, invitationId: null }),
    });
    const update = await env.queue({
      to: { userId: carol.id },
      kind: "update",
      content: hangoutContent({
        title: `Still for Carol ${++n}`,
        change: "confirmed",
        changes: ["confirmed"],
        actorId: ann.id,
      }),
    });
    expect((await env.until(later, (r) => r.status !== "pending")).status).toBe("skipped");
    expect((await env.until(update, (r) => r.status !== "pending")).status).toBe("sent");
    expect(env.sink.messages().some((m) => m.subject.includes("Not for Carol"))).toBe(false);

    // Again: the same answer, nothing more changes.
    expect((await env.as().post(path, ONE_CLICK, FORM)).status).toBe(200);
    expect(await preferencesOf(carol)).toEqual({ invitation: false, update: true, reminder: true });
  });

  test("the page's button posts what a mail client would", async () => {
    const dave = await env.user("Dave");
    const davePath = unsubscribePath((await invite({ userId: dave.id })).message);
    const page = await (await env.as().get(davePath)).text();
    const action = /<form method="post" action="([^"]+)"/.exec(page)?.[1] ?? "";
    const field = /<input type="hidden" name="([^"]+)" value="([^"]+)">/.exec(page);
    const body = `${encodeURIComponent(field?.[1] ?? "")}=${encodeURIComponent(field?.[2] ?? "")}`;
    expect((await env.as().post(action.replaceAll("&amp;", "&"), body, FORM)).status).toBe(200);
    expect((await preferencesOf(dave)).invitation).toBe(false);
  });
});

describe("a link that is not valid", () => {
  const tokens = createUnsubscribeTokens("test-unsubscribe-secret-of-this-suite");
  const forged = createUnsubscribeTokens("somebody else's secret");
  let erin: TestUser;
  let good: string;
  const bad: string[] = [];

  beforeAll(async () => {
    erin = await env.user("Erin");
    good = tokens.sign({ recipient: `user:${erin.id}`, kind: "update" });
    const [payload, mac] = good.split(".") as [string, string];
    const otherUser = Buffer.from(`update|user:${ann.id}`).toString("base64url");
    bad.push(
      forged.sign({ recipient: `user:${erin.id}`, kind: "update" }),
      `${otherUser}.${mac}`,
      `${payload}.${mac.slice(0, -2)}`,
      good.slice(0, 40),
      "garbage",
    );
  });

  test("a forged, altered or cut token is a 400 problem on POST and changes nothing", async () => {
    for (const token of bad) {
      const response = await env
        .as()
        .post(`/notifications/unsubscribe?token=${token}`, ONE_CLICK, FORM);
      expect(response.status).toBe(400);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      const problem = (await response.json()) as { detail: string };
      expect(problem.detail).toContain("not valid");
    }
    expect(await preferencesOf(erin)).toEqual({ invitation: true, update: true, reminder: true });
    expect(await preferencesOf(ann)).toEqual({ invitation: true, update: true, reminder: true });
  });

  test("is a 400 page in a browser (a problem for other clients), with or without a token", async () => {
    const browser = { accept: "text/html,application/xhtml+xml,*/*;q=0.8" };
    for (const query of [...bad.map((t) => `?token=${t}`), "", "?token="]) {
      const page = await env.as().get(`/notifications/unsubscribe${query}`, browser);
      expect(page.status).toBe(400);
      expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(page.headers.get("content-security-policy")).toBe(PAGE_POLICY);
      expect(await page.text()).toContain("This unsubscribe link doesn't work");

      const problem = await env.as().get(`/notifications/unsubscribe${query}`);
      expect(problem.status).toBe(400);
      expect(problem.headers.get("content-type")).toBe("application/problem+json");
    }
    expect(await preferencesOf(erin)).toEqual({ invitation: true, update: true, reminder: true });
  });

  test("the POST takes exactly the RFC 8058 form body", async () => {
    const url = `/notifications/unsubscribe?token=${good}`;
    const json = await env.as().post(url, { "List-Unsubscribe": "One-Click" });
    expect(json.status).toBe(415);
    for (const body of ["", "List-Unsubscribe=Yes", `${ONE_CLICK}&extra=1`]) {
      const response = await env.as().post(url, body, FORM);
      expect(response.status).toBe(422);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
    }
    const twice = await env.as().post(url, `${ONE_CLICK}&${ONE_CLICK}`, FORM);
    expect(twice.status).toBe(422);
    const malformed = await env.as().post(url, "List-Unsubscribe=%E0%A4%A", FORM);
    expect(malformed.status).toBe(400);
    const missing = await env.as().post("/notifications/unsubscribe", ONE_CLICK, FORM);
    expect(missing.status).toBe(422);
    expect(await preferencesOf(erin)).toEqual({ invitation: true, update: true, reminder: true });
  });
});

describe("an address with no account", () => {
  test("one click stops all email to it, whatever the case of the address", async () => {
    const address = `Frank.${Date.now()}@Example.com`;
    const { message } = await invite({ email: address });
    const page = await (await env.as().get(unsubscribePath(message))).text();
    expect(page).toContain("Stop all emails from Hangout Planner to this address.");
    expect((await env.as().post(unsubscribePath(message), ONE_CLICK, FORM)).status).toBe(200);

    const later = await env.queue({
      to: { email: address.toLowerCase() },
      kind: "invitation",
      content: hangoutContent({ title: "Not for Frank", invitedBy: ann.id, invitationId: null }),
    });
    const row = await env.until(later, (r) => r.status !== "pending");
    expect(row.status).toBe("skipped");
    expect(row.outcome).toBe("the address unsubscribed");
  });
});
