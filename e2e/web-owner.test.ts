/**
 * Issue 20, what the organiser does to a hangout in the browser, with three people each in a
 * browser context of their own: Olga creates a hangout and invites Mia and Noah; their open
 * pages follow her edit and her status change, and her page follows their votes, without a
 * reload. Then she removes Mia, Noah leaves, and she deletes it; each page says what happened
 * and the home lists no longer have it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import {
  expectAxeClean,
  expectNoConsoleErrors,
  expectOnlyHosts,
  markPage,
  newPerson,
  startWebStack,
  type WebPerson,
  type WebStack,
} from "./web.fixture.ts";
import {
  createHangoutInApp,
  expectHome,
  field,
  logInInApp,
  newAddress,
  visible,
} from "./web-ui.fixture.ts";

const TITLE = "Harbour walk";
const NEW_TITLE = "Harbour walk and chips";
const NEW_PLACE = "North pier";
const ACTIVITY = "Feed the gulls";
let web: WebStack;
let olga: WebPerson;
let mia: WebPerson;
let noah: WebPerson;
const emails = { olga: newAddress("olga"), mia: newAddress("mia"), noah: newAddress("noah") };
let hangoutPath: string;

beforeAll(async () => {
  web = await startWebStack();
  const person = () => newPerson(web.browser, web.app.url);
  [olga, mia, noah] = await Promise.all([person(), person(), person()]);
  await web.stack.signUp("Olga Organiser", emails.olga);
  await web.stack.signUp("Mia Marsh", emails.mia);
  await web.stack.signUp("Noah Reed", emails.noah);
}, 180_000);
afterAll(async () => {
  for (const person of [olga, mia, noah]) await person?.context.close();
  await web?.stop();
});

const heading = (page: Page, title: string) => page.getByRole("heading", { name: title, level: 1 });
const memberRow = (page: Page, name: string) => page.locator("li.member").filter({ hasText: name });
const statusBadge = (page: Page, label: string) =>
  page.locator(".details").getByText(label, { exact: true });
const voteButton = (page: Page) => page.getByRole("button", { name: `Vote for ${ACTIVITY}` });
const votes = (page: Page, text: string) =>
  page.locator(".activity").filter({ hasText: ACTIVITY }).locator(".votes").getByText(text);

/** The accessible text of whatever has the keyboard focus. */
const focusedText = (page: Page) => page.locator(":focus").textContent();

/**
 * Presses a confirm button once: the question shows and the focus moves to the confirming
 * button, named like the action. Dismissing it puts the focus back on the action.
 */
async function askThenDismiss(page: Page, label: string, dismiss: string) {
  await page.getByRole("button", { name: label, exact: true }).click();
  await visible(page.getByRole("button", { name: dismiss, exact: true }));
  expect(await focusedText(page)).toBe(label);
  await page.getByRole("button", { name: dismiss, exact: true }).click();
  await page.getByRole("button", { name: dismiss, exact: true }).waitFor({ state: "detached" });
  expect(await focusedText(page)).toBe(label);
}

async function confirm(page: Page, label: string) {
  const button = page.getByRole("button", { name: label, exact: true });
  await button.click();
  await visible(page.locator("fieldset.confirm"));
  expect(await focusedText(page)).toBe(label);
  await button.click();
}

/** Home with no hangouts at all: the one these people shared is gone from the list. */
async function expectEmptyHome(page: Page) {
  await expectHome(page);
  await visible(page.getByText("No hangouts yet."));
  expect(await page.getByRole("link", { name: NEW_TITLE }).count()).toBe(0);
}

describe("the organiser's controls in the browser", () => {
  test("Olga creates a hangout and invites Mia and Noah; both open it", async () => {
    await logInInApp(olga.page, emails.olga);
    await expectHome(olga.page);
    const id = await createHangoutInApp(olga.page, {
      title: TITLE,
      startsAt: "2031-09-12T18:00",
      place: "Old harbour",
    });
    hangoutPath = `/hangout/${id}`;
    await visible(heading(olga.page, TITLE));
    await field(olga.page, "Invite by email").fill(`${emails.mia}\n${emails.noah}`);
    await olga.page.getByRole("button", { name: "Invite", exact: true }).click();
    await visible(olga.page.getByText("Invited 2 people with an account"));
    await visible(memberRow(olga.page, "Mia Marsh"));
    await visible(memberRow(olga.page, "Noah Reed"));

    for (const [person, email] of [
      [mia, emails.mia],
      [noah, emails.noah],
    ] as const) {
      await logInInApp(person.page, email);
      await expectHome(person.page);
      await person.page.getByRole("link", { name: TITLE }).click();
      await person.page.waitForURL((url) => url.pathname === hangoutPath);
      await visible(heading(person.page, TITLE));
      await visible(statusBadge(person.page, "Planning"));
    }
  }, 120_000);

  test("Olga edits it: Mia's open page shows the new title and place without a reload", async () => {
    const { page } = olga;
    const miaStayed = await markPage(mia.page);
    await page.getByRole("button", { name: "Edit hangout" }).click();
    await visible(page.getByRole("heading", { name: "Edit hangout", level: 2 }));
    expect(await field(page, "Title").inputValue()).toBe(TITLE);
    await expectAxeClean(page, "hangout, editing");

    await field(page, "Title").fill(NEW_TITLE);
    await field(page, "Place").fill(NEW_PLACE);
    await page.getByRole("button", { name: "Save" }).click();
    await visible(heading(page, NEW_TITLE));
    await visible(page.getByRole("button", { name: "Edit hangout" }));
    expect(await focusedText(page)).toBe("Edit hangout");

    await visible(heading(mia.page, NEW_TITLE));
    await visible(mia.page.locator(".details").getByText(NEW_PLACE));
    expect(await miaStayed()).toBe(true);
  }, 60_000);

  test("Olga marks it confirmed: Mia sees the status change live", async () => {
    const miaStayed = await markPage(mia.page);
    await olga.page.getByRole("button", { name: "Mark confirmed" }).click();
    await visible(statusBadge(olga.page, "Confirmed"));
    await visible(olga.page.getByRole("button", { name: "Mark done" }));

    await visible(statusBadge(mia.page, "Confirmed"));
    expect(await statusBadge(mia.page, "Planning").count()).toBe(0);
    expect(await miaStayed()).toBe(true);
  }, 60_000);

  test("Mia votes for Noah's activity and takes it back; Olga's count follows live", async () => {
    await field(noah.page, "Activity").fill(ACTIVITY);
    await noah.page.getByRole("button", { name: "Propose" }).click();
    await visible(voteButton(noah.page));
    await visible(mia.page.getByText("Proposed by Noah Reed"));
    await visible(votes(olga.page, "0 votes"));
    const olgaStayed = await markPage(olga.page);

    const vote = voteButton(mia.page);
    expect(await vote.getAttribute("aria-pressed")).toBe("false");
    await vote.click();
    await visible(mia.page.getByRole("button", { name: `Vote for ${ACTIVITY}`, pressed: true }));
    await visible(votes(mia.page, "1 vote · you voted"));
    await visible(votes(olga.page, "1 vote"));
    expect(await voteButton(olga.page).getAttribute("aria-pressed")).toBe("false");

    await vote.click();
    await visible(mia.page.getByRole("button", { name: `Vote for ${ACTIVITY}`, pressed: false }));
    await visible(votes(mia.page, "0 votes"));
    await visible(votes(olga.page, "0 votes"));
    expect(await olgaStayed()).toBe(true);
  }, 60_000);

  test("Olga removes Mia: Mia's page says so and her home no longer has it", async () => {
    const { page } = olga;
    await askThenDismiss(page, "Remove Mia Marsh", "No, keep it");
    await confirm(page, "Remove Mia Marsh");
    await memberRow(page, "Mia Marsh").waitFor({ state: "detached" });
    await visible(memberRow(page, "Noah Reed"));

    await visible(heading(mia.page, "Removed from hangout"));
    await visible(mia.page.getByText("You were removed from this hangout."));
    await mia.page.getByRole("link", { name: "Back to your hangouts" }).click();
    await expectEmptyHome(mia.page);
  }, 60_000);

  test("Noah leaves: he lands on his home without it; Olga's People list drops him live", async () => {
    const olgaStayed = await markPage(olga.page);
    await askThenDismiss(noah.page, "Leave hangout", "No, stay");
    await confirm(noah.page, "Leave hangout");
    await expectEmptyHome(noah.page);

    await memberRow(olga.page, "Noah Reed").waitFor({ state: "detached" });
    await visible(memberRow(olga.page, "Olga Organiser (you)"));
    await visible(olga.page.getByText("1 person · 1 going · 0 maybe"));
    expect(await olgaStayed()).toBe(true);
  }, 60_000);

  test("Olga deletes it, asked first: she lands on her home without it", async () => {
    const { page } = olga;
    await page.getByRole("button", { name: "Delete hangout", exact: true }).click();
    await visible(page.getByRole("group", { name: /^Delete this hangout/ }));
    expect(await focusedText(page)).toBe("Delete hangout");
    await expectAxeClean(page, "hangout, confirming delete");
    await page.keyboard.press("Escape");
    await page.locator("fieldset.confirm").waitFor({ state: "detached" });
    expect(await focusedText(page)).toBe("Delete hangout");

    await confirm(page, "Delete hangout");
    await expectEmptyHome(page);
  }, 60_000);

  test("no console errors, and no request but to the app and the photo store", () => {
    for (const person of [olga, mia, noah]) {
      expectNoConsoleErrors(person);
      expectOnlyHosts(person, web.app.url, web.storageOrigin);
    }
  });
});
