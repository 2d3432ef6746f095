/**
 * What a person does in the app, by the names a screen reader hears (labels, roles): sign up,
 * log in, create a hangout, and read the message the app ties to a field.
 */
import { expect } from "bun:test";
import type { Locator, Page } from "playwright-core";
import { until } from "./events-stack.fixture.ts";
import type { WebPerson } from "./web.fixture.ts";

export const PASSWORD = "correct horse battery staple";

let people = 0;

/** A fresh address per call, so each test file's people never meet another's. */
export const newAddress = (who: string) =>
  `${who}-${Date.now().toString(36)}-${++people}-${crypto.randomUUID().slice(0, 6)}@example.com`;

export const field = (page: Page, label: string) => page.getByLabel(label, { exact: true });

export async function signUpInApp(page: Page, name: string, email: string) {
  await page.goto("/signup");
  await field(page, "Name").fill(name);
  await field(page, "Email").fill(email);
  await field(page, "Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign up" }).click();
}

export async function logInInApp(page: Page, email: string) {
  await page.goto("/login");
  await field(page, "Email").fill(email);
  await field(page, "Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
}

/** Home, signed in: its heading is there once the session is known. */
export async function expectHome(page: Page) {
  await page.waitForURL((url) => url.pathname === "/");
  await visible(page.getByRole("heading", { name: "Your hangouts", level: 1 }));
}

export interface NewHangoutValues {
  title: string;
  startsAt: string;
  endsAt?: string;
  place?: string;
  notes?: string;
}

/** Fills "New hangout" and creates it; resolves with the new hangout's id from the URL. */
export async function createHangoutInApp(page: Page, values: NewHangoutValues) {
  await page.getByRole("link", { name: "New hangout" }).click();
  await page.waitForURL((url) => url.pathname === "/new");
  await field(page, "Title").fill(values.title);
  await field(page, "Starts at").fill(values.startsAt);
  if (values.endsAt) await field(page, "Ends at").fill(values.endsAt);
  if (values.place) await field(page, "Place").fill(values.place);
  if (values.notes) await field(page, "Notes").fill(values.notes);
  await page.getByRole("button", { name: "Create" }).click();
  await page.waitForURL((url) => url.pathname.startsWith("/hangout/"));
  return new URL(page.url()).pathname.split("/").pop()!;
}

/**
 * The message the app shows for a field: the element the input's aria-describedby names with
 * role alert (so it is read out and tied to that input), and its text.
 */
export async function fieldMessage(input: Locator): Promise<string> {
  await expect(input.getAttribute("aria-invalid")).resolves.toBe("true");
  const ids = ((await input.getAttribute("aria-describedby")) ?? "").split(/\s+/).filter(Boolean);
  const page = input.page();
  for (const id of ids) {
    const described = page.locator(`[id="${id}"]`);
    if ((await described.getAttribute("role")) === "alert") {
      expect(await described.isVisible()).toBe(true);
      return (await described.textContent()) ?? "";
    }
  }
  throw new Error(`no message tied to the field (aria-describedby="${ids.join(" ")}")`);
}

/** Waits until `locator` is visible (Playwright's own wait, with a readable failure). */
export const visible = (locator: Locator, timeout = 15_000) =>
  locator.waitFor({ state: "visible", timeout });

/**
 * Waits until the image is decoded in the page, not just requested. It is scrolled to first: the
 * app's thumbnails load lazily, only near the viewport.
 */
export async function imageShown(image: Locator, timeout = 60_000) {
  await image.waitFor({ state: "attached", timeout });
  await image.scrollIntoViewIfNeeded();
  const decoded = (img: { complete: boolean; naturalWidth: number }) =>
    img.complete && img.naturalWidth > 0;
  await until(
    "the image decoded",
    async () => ((await image.evaluate(decoded)) ? true : undefined),
    timeout,
  );
}

/**
 * Logs out from the header, then opens `path` afresh: a session that really ended sends the page
 * to log in (the refresh cookie no longer signs back in). Fails at once, saying so, otherwise.
 */
export async function logOutThenOpen(person: WebPerson, path: string) {
  const { page } = person;
  await page.getByRole("button", { name: "Log out" }).click();
  await page.waitForURL((url) => url.pathname === "/login");
  await page.goto(path);
  const logIn = page.getByRole("button", { name: "Log in" });
  await visible(logIn.or(page.getByRole("button", { name: "Log out" })));
  const logoutRefused = person.apiRefusals.filter((line) => line.includes("/auth/logout"));
  expect({ logoutRefused, signedOut: await logIn.isVisible() }).toEqual({
    logoutRefused: [],
    signedOut: true,
  });
  await page.waitForURL((url) => url.pathname === "/login");
}
