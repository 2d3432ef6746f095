/**
 * Issue 20, the email links in the browser: the invitation email an address without an account
 * gets (caught by the SMTP sink) opens the app's sign-up with the address filled in, and signing
 * up lands in the hangout. The link an existing member gets opens the hangout after logging in;
 * their unsubscribe link asks first, turns the kind off in one click, and the settings page shows it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { json, type Person, sentTo } from "./events-stack.fixture.ts";
import {
  expectAxeClean,
  expectNoConsoleErrors,
  expectOnlyHosts,
  newPerson,
  startWebStack,
  type WebPerson,
  type WebStack,
} from "./web.fixture.ts";
import { field, newAddress, PASSWORD, visible } from "./web-ui.fixture.ts";

const TITLE = "Picnic & frisbee";
let web: WebStack;
let owner: Person;
let member: Person;
let hangoutId: string;
const newcomerEmail = newAddress("invitee");
const people: WebPerson[] = [];

beforeAll(async () => {
  web = await startWebStack();
  const { stack } = web;
  owner = await stack.signUp("Olga Organiser");
  member = await stack.signUp("Max Member");
  const created = await json<{ id: string }>(
    await stack.call(
      "POST",
      `${stack.hangoutUrl}/hangouts`,
      { title: TITLE, startsAt: "2031-08-09T12:00:00Z", location: { name: "City park" } },
      { as: owner },
    ),
    201,
  );
  hangoutId = created.id;
  await json(
    await stack.call(
      "POST",
      `${stack.hangoutUrl}/hangouts/${hangoutId}/invites`,
      { emails: [newcomerEmail, member.email] },
      { as: owner },
    ),
    200,
  );
}, 180_000);
afterAll(async () => {
  for (const person of people) await person.context.close();
  await web?.stop();
});

/** The first link into the app in an email's plain-text part. */
function appLink(text: string): string {
  const escaped = web.app.url.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const found = new RegExp(`${escaped}/[^\\s>"]*`).exec(text)?.[0];
  if (!found) throw new Error(`no link to ${web.app.url} in:\n${text}`);
  return found;
}

async function person() {
  const created = await newPerson(web.browser, web.app.url);
  people.push(created);
  return created;
}

describe("invitation emails open the app", () => {
  test("a new address's link: sign up with the address filled in, then land in the hangout", async () => {
    const email = await web.stack.sink.waitFor(sentTo(newcomerEmail), { timeoutMs: 30_000 });
    const link = appLink(email.text);
    expect(new URL(link).pathname).toBe("/signup");

    const { page } = await person();
    await page.goto(link);
    await visible(page.getByRole("heading", { name: "Sign up" }));
    await visible(page.getByText("You were invited to a hangout."));
    expect(await field(page, "Email").inputValue()).toBe(newcomerEmail);
    await expectAxeClean(page, "sign up from an invitation");

    await field(page, "Name").fill("Nia Newcomer");
    await field(page, "Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign up" }).click();
    await page.waitForURL((url) => url.pathname === `/hangout/${hangoutId}`);
    await visible(page.getByRole("heading", { name: TITLE, level: 1 }), 30_000);
    await visible(page.getByRole("button", { name: "Going", exact: true }));
    await visible(page.locator("li.member").filter({ hasText: "Nia Newcomer (you)" }));
    await expectAxeClean(page, "hangout, just signed up");
  }, 120_000);

  test("an existing member's link: log in, then the hangout", async () => {
    const email = await web.stack.sink.waitFor(sentTo(member.email), { timeoutMs: 30_000 });
    const link = appLink(email.text);
    expect(new URL(link).pathname).toBe(`/hangout/${hangoutId}`);

    const { page } = await person();
    await page.goto(link);
    await page.waitForURL((url) => url.pathname === "/login");
    await field(page, "Email").fill(member.email);
    await field(page, "Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL((url) => url.pathname === `/hangout/${hangoutId}`);
    await visible(page.getByRole("heading", { name: TITLE, level: 1 }));
  }, 120_000);

  test("the unsubscribe link: a page that asks, one click, and the settings page agrees", async () => {
    const email = await web.stack.sink.waitFor(sentTo(member.email), { timeoutMs: 30_000 });
    const escaped = web.app.url.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const link = new RegExp(`${escaped}/notifications/unsubscribe\\?token=[^\\s>"]+`).exec(
      email.text,
    )?.[0];
    expect(link).toBeDefined();

    const { page } = await person();
    await page.goto(link!);
    // Opening the link changes nothing (mail scanners open links); the button does.
    await visible(page.getByRole("heading", { name: "Unsubscribe?" }));
    await expectAxeClean(page, "unsubscribe");
    await page.getByRole("button", { name: "Unsubscribe" }).click();
    await visible(page.getByRole("heading", { name: "You're unsubscribed" }));
    await expectAxeClean(page, "unsubscribed");

    await page.getByRole("link", { name: "Choose which emails you get" }).click();
    await page.waitForURL((url) => url.pathname === "/login");
    await field(page, "Email").fill(member.email);
    await field(page, "Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL((url) => url.pathname === "/settings/notifications");
    const invitations = page.getByRole("checkbox", { name: "Invitations" });
    await visible(invitations);
    expect(await invitations.isChecked()).toBe(false);
    expect(await page.getByRole("checkbox", { name: "Reminders" }).isChecked()).toBe(true);

    // And back on, from the page.
    await invitations.check();
    await page.getByRole("button", { name: "Save" }).click();
    await visible(page.getByText("Saved."));
    await page.reload();
    await visible(page.getByRole("checkbox", { name: "Invitations" }));
    expect(await page.getByRole("checkbox", { name: "Invitations" }).isChecked()).toBe(true);
  }, 120_000);

  test("no console errors, and no request but to the app and the photo store", () => {
    for (const someone of people) {
      expectNoConsoleErrors(someone);
      expectOnlyHosts(someone, web.app.url, web.storageOrigin);
    }
  });
});
