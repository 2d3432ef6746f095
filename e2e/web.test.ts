/**
 * Issue 20 end to end in the browser: two people, each in a browser context of their own. Ada
 * signs up, creates a hangout and invites Ben (who has an account) and an address without one;
 * Ben sees the invitation arrive on his home page, opens it, answers and proposes an activity,
 * which Ada sees without a reload. Ada adds three photos at once, watches them upload and be
 * processed into thumbnails, and deletes one. Reloads keep both signed in; logging out ends it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { cameraJpeg, pngWithAlpha } from "../services/media/test/images.fixture.ts";
import { until } from "./events-stack.fixture.ts";
import {
  expectAxeClean,
  expectNoConsoleErrors,
  expectOnlyHosts,
  markPage,
  newPerson,
  screenshot,
  startWebStack,
  type WebPerson,
  type WebStack,
} from "./web.fixture.ts";
import {
  createHangoutInApp,
  expectHome,
  field,
  imageShown,
  logInInApp,
  logOutThenOpen,
  newAddress,
  signUpInApp,
  visible,
} from "./web-ui.fixture.ts";

const TITLE = "Kayak weekend";
let web: WebStack;
let ada: WebPerson;
let ben: WebPerson;
const benEmail = newAddress("ben");
const newcomerEmail = newAddress("newcomer");
let hangoutPath: string;

beforeAll(async () => {
  web = await startWebStack();
  ada = await newPerson(web.browser, web.app.url);
  ben = await newPerson(web.browser, web.app.url);
  await web.stack.signUp("Ben Boater", benEmail);
}, 180_000);
afterAll(async () => {
  await ada?.context.close();
  await ben?.context.close();
  await web?.stop();
});

/** The hangout page's heading: the hangout is shown (and its sections load after it). */
const hangoutShown = (page: Page) => visible(page.getByRole("heading", { name: TITLE, level: 1 }));

const photos = async () => [
  { name: "lake.jpg", mimeType: "image/jpeg", buffer: Buffer.from(await cameraJpeg(1200, 800, 1)) },
  { name: "camp.jpg", mimeType: "image/jpeg", buffer: Buffer.from(await cameraJpeg(900, 600, 6)) },
  { name: "route.png", mimeType: "image/png", buffer: Buffer.from(await pngWithAlpha(640, 480)) },
];

describe("two people planning a hangout in the browser", () => {
  test("Ada signs up, creates a hangout and invites Ben and a new address; Ben sees it live", async () => {
    await signUpInApp(ada.page, "Ada Organiser", newAddress("ada"));
    await expectHome(ada.page);
    const id = await createHangoutInApp(ada.page, {
      title: TITLE,
      startsAt: "2031-07-04T09:00",
      endsAt: "2031-07-06T17:00",
      place: "Lakeside campsite",
      notes: "Two nights, tents provided.",
    });
    hangoutPath = `/hangout/${id}`;
    await hangoutShown(ada.page);

    await logInInApp(ben.page, benEmail);
    await expectHome(ben.page);
    await visible(ben.page.getByText("No hangouts yet."));
    await expectAxeClean(ben.page, "home, empty");
    const benStayed = await markPage(ben.page);

    await field(ada.page, "Invite by email").fill(`${benEmail}, ${newcomerEmail}`);
    await ada.page.getByRole("button", { name: "Invite", exact: true }).click();
    const outcome = ada.page.locator(".invite-result");
    await visible(outcome.getByText("Invited 1 person with an account"));
    await visible(outcome.getByText(newcomerEmail));
    await visible(ada.page.getByText(newcomerEmail).last());

    const invitation = ben.page
      .getByRole("list", { name: "Upcoming hangouts" })
      .getByRole("listitem")
      .filter({ hasText: TITLE });
    await visible(invitation);
    await visible(invitation.getByText("Invited", { exact: true }));
    expect(await benStayed()).toBe(true);
    await expectAxeClean(ben.page, "home with an invitation");
  }, 120_000);

  test("Ben opens it, answers and proposes an activity; Ada sees both without a reload", async () => {
    const adaStayed = await markPage(ada.page);
    await ben.page.getByRole("link", { name: TITLE }).click();
    await ben.page.waitForURL((url) => url.pathname === hangoutPath);
    await hangoutShown(ben.page);
    await expectAxeClean(ben.page, "hangout, invited member");

    await ben.page.getByRole("button", { name: "Going", exact: true }).click();
    await visible(ben.page.getByRole("button", { name: "Going", exact: true, pressed: true }));
    await field(ben.page, "Activity").fill("Paddle to the island");
    await ben.page.getByRole("button", { name: "Propose" }).click();
    await visible(ben.page.locator(".activity-list").getByText("Paddle to the island"));

    const benRow = ada.page.locator("li.member").filter({ hasText: "Ben Boater" });
    await visible(benRow.getByText("Going", { exact: true }));
    await visible(ada.page.locator(".activity-list").getByText("Paddle to the island"));
    await visible(ada.page.getByText("Proposed by Ben Boater"));
    expect(await adaStayed()).toBe(true);
  }, 120_000);

  test("Ada adds three photos at once: three uploads complete, three thumbnails; one deleted", async () => {
    const { page } = ada;
    const adaStayed = await markPage(page);
    const files = await photos();
    await page.getByLabel("Add photos").setInputFiles(files);

    const bars = files.map(({ name }) =>
      page.getByRole("progressbar", { name: `Uploading ${name}`, exact: true }),
    );
    for (const bar of bars) await visible(bar);
    for (const { name } of files) {
      const bar = page.getByRole("progressbar", { name: `Uploading ${name}`, exact: true });
      await until(`${name} uploaded`, async () =>
        (await bar.evaluate((progress: { value: number }) => progress.value)) === 100
          ? true
          : undefined,
      );
      const row = page.locator("li.upload-row").filter({ hasText: name });
      await visible(row.getByText("Uploaded", { exact: true }));
    }
    const gallery = page.getByRole("list", { name: "Photos" });
    for (const { name } of files) {
      const tile = gallery.getByRole("button", { name: `Open ${name}` });
      await visible(tile);
      await imageShown(tile.locator("img"));
    }
    // Straight to storage, one PUT each, not through the app's origin.
    const puts = ada.requests.filter(
      (request) => request.method === "PUT" && request.url.startsWith(web.storageOrigin),
    );
    expect(puts.length).toBe(3);
    await expectAxeClean(page, "hangout with photos, organiser");
    await screenshot(page, "hangout");

    await gallery.getByRole("button", { name: "Open camp.jpg" }).click();
    const viewer = page.getByRole("dialog", { name: "camp.jpg" });
    await visible(viewer);
    await imageShown(viewer.locator("img"));
    await expectAxeClean(page, "photo viewer");
    await screenshot(page, "photo-viewer", { fullPage: false });
    await viewer.getByRole("button", { name: "Delete photo" }).click();
    await viewer.getByRole("button", { name: "Yes, delete it" }).click();
    await viewer.waitFor({ state: "hidden" });
    await gallery.getByRole("button", { name: "Open camp.jpg" }).waitFor({ state: "detached" });
    expect(await gallery.getByRole("listitem").count()).toBe(2);
    expect(await adaStayed()).toBe(true);

    // Ben's page follows along: the two photos that are left, without a reload.
    const benGallery = ben.page.getByRole("list", { name: "Photos" });
    await visible(benGallery.getByRole("button", { name: "Open lake.jpg" }));
    await visible(benGallery.getByRole("button", { name: "Open route.png" }));
    await benGallery.getByRole("button", { name: "Open camp.jpg" }).waitFor({ state: "detached" });
  }, 120_000);

  test("a reload keeps both signed in; log out ends the session", async () => {
    for (const person of [ada, ben]) {
      await person.page.reload();
      await hangoutShown(person.page);
      await visible(person.page.getByRole("button", { name: "Log out" }));
    }
    // The gallery loads after the heading: wait for its tiles before counting them.
    const benGallery = ben.page.getByRole("list", { name: "Photos" });
    await visible(benGallery.getByRole("button", { name: "Open lake.jpg" }));
    await visible(benGallery.getByRole("button", { name: "Open route.png" }));
    expect(await benGallery.getByRole("listitem").count()).toBe(2);

    for (const person of [ada, ben]) await logOutThenOpen(person, hangoutPath);
  }, 120_000);

  test("no console errors, and no request but to the app and the photo store", () => {
    for (const person of [ada, ben]) {
      expectNoConsoleErrors(person);
      expectOnlyHosts(person, web.app.url, web.storageOrigin);
    }
  });
});
