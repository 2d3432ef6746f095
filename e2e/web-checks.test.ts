/**
 * Issue 20 in the browser: validation messages sit next to their fields (tied by
 * aria-describedby); each page loads with no console error, no serious accessibility violation
 * and no request beyond the app and the photo store; the main pages are photographed into
 * docs/screenshots.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cameraJpeg } from "../services/media/test/images.fixture.ts";
import {
  expectAxeClean,
  expectNoConsoleErrors,
  expectOnlyHosts,
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
  fieldMessage,
  logInInApp,
  logOutThenOpen,
  newAddress,
  signUpInApp,
  visible,
} from "./web-ui.fixture.ts";

let web: WebStack;
let person: WebPerson;
const email = newAddress("checks");

beforeAll(async () => {
  web = await startWebStack();
  person = await newPerson(web.browser, web.app.url);
}, 180_000);
afterAll(async () => {
  await person?.context.close();
  await web?.stop();
});

describe("the web app's pages", () => {
  test("log in and sign up, signed out: accessible, and a short password is refused at its field", async () => {
    const { page } = person;
    await page.goto("/login");
    await visible(page.getByRole("button", { name: "Log in" }));
    await expectAxeClean(page, "log in");
    await screenshot(page, "login");

    await page.getByRole("link", { name: "Sign up" }).click();
    await visible(page.getByRole("heading", { name: "Sign up" }));
    await expectAxeClean(page, "sign up");
    await field(page, "Name").fill("Vera Valid");
    await field(page, "Email").fill(email);
    await field(page, "Password").fill("short");
    await page.getByRole("button", { name: "Sign up" }).click();
    const password = field(page, "Password");
    await visible(page.getByRole("alert"));
    expect(await fieldMessage(password)).toBe("must be at least 8 characters");
    await expect(field(page, "Name").getAttribute("aria-invalid")).resolves.toBeNull();
    await expectAxeClean(page, "sign up with an error");

    await signUpInApp(page, "Vera Valid", email);
    await expectHome(page);
  }, 120_000);

  test("home, new hangout (with its field errors) and email settings", async () => {
    const { page } = person;
    await expectAxeClean(page, "home, empty");

    await page.getByRole("link", { name: "New hangout" }).click();
    await visible(page.getByRole("heading", { name: "New hangout" }));
    await expectAxeClean(page, "new hangout");
    await screenshot(page, "new-hangout");
    await page.getByRole("button", { name: "Create" }).click();
    await visible(page.getByRole("alert").first());
    expect(await fieldMessage(field(page, "Title"))).toBe("must not be empty");
    expect(await fieldMessage(field(page, "Starts at"))).toBe("must not be empty");
    await expect(field(page, "Place").getAttribute("aria-invalid")).resolves.toBeNull();
    await expectAxeClean(page, "new hangout with errors");

    await page.goto("/");
    await expectHome(page);
    await createHangoutInApp(page, {
      title: "Board games at Ada's",
      startsAt: "2031-03-14T19:00",
      endsAt: "2031-03-14T23:00",
      place: "Ada's flat",
      notes: "Bring snacks.",
    });
    await page.goto("/");
    await visible(page.getByRole("list", { name: "Upcoming hangouts" }));
    await expectAxeClean(page, "home");
    await screenshot(page, "home");

    await page.getByRole("link", { name: "Email settings" }).click();
    await visible(page.getByRole("checkbox", { name: "Invitations" }));
    await expectAxeClean(page, "email settings");
    await screenshot(page, "settings");
  }, 120_000);

  test("a photo over 10 MiB is refused in the page: no upload is asked for, nothing is sent", async () => {
    const { page } = person;
    await page.goto("/");
    await page.getByRole("link", { name: "Board games at Ada's" }).click();
    await visible(page.getByRole("heading", { name: "Board games at Ada's", level: 1 }));
    await visible(page.getByText("No photos yet."));
    const before = person.requests.length;

    const huge = Buffer.alloc(10 * 1024 * 1024 + 1);
    huge.set([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00]);
    await page
      .getByLabel("Add photos")
      .setInputFiles({ name: "huge.jpg", mimeType: "image/jpeg", buffer: huge });
    const row = page.locator("li.upload-row").filter({ hasText: "huge.jpg" });
    await visible(row.getByText("Failed: larger than 10 MiB"));
    expect(await row.getByRole("progressbar").count()).toBe(0);
    expect(await row.getByRole("button", { name: "Retry huge.jpg" }).count()).toBe(0);
    await expectAxeClean(page, "hangout with a refused photo");

    // Long enough for a request the pick started to have been made.
    await Bun.sleep(1000);
    const sent = person.requests.slice(before).map((request) => request.url);
    expect(sent.filter((url) => url.startsWith(web.storageOrigin))).toEqual([]);
    expect(sent.filter((url) => url.includes("/memories/"))).toEqual([]);
    expect(await page.getByRole("list", { name: "Photos" }).getByRole("listitem").count()).toBe(0);
  }, 120_000);

  test("an upload the storage refuses is shown with its reason, and Retry sends it again", async () => {
    const { page } = person;
    await visible(page.getByRole("heading", { name: "Board games at Ada's", level: 1 }));
    // The storage refuses the first PUT only; the retry asks for a new URL and gets through.
    let refusedUrl: string | undefined;
    await page.route(`${web.storageOrigin}/**`, async (route) => {
      if (route.request().method() !== "PUT" || refusedUrl) return route.continue();
      refusedUrl = route.request().url();
      return route.fulfill({ status: 503, body: "unavailable" });
    });
    const jpeg = Buffer.from(await cameraJpeg(800, 600, 1));
    await page
      .getByLabel("Add photos")
      .setInputFiles({ name: "dice.jpg", mimeType: "image/jpeg", buffer: jpeg });
    const row = page.locator("li.upload-row").filter({ hasText: "dice.jpg" });
    await visible(row.getByText("Failed: storage refused the upload (503)"));
    await expectAxeClean(page, "hangout with a failed upload");

    await row.getByRole("button", { name: "Retry dice.jpg" }).click();
    await visible(row.getByText("Uploaded"));
    const tile = page.getByRole("button", { name: "Open dice.jpg" });
    await visible(tile.locator("img"), 30_000);
    // The one failure this test made: Chromium logs the refused PUT as a console error.
    const injected = person.consoleErrors.filter((line) => refusedUrl && line.includes(refusedUrl));
    expect(injected.length).toBeLessThanOrEqual(1);
    person.consoleErrors = person.consoleErrors.filter((line) => !injected.includes(line));
    await page.unroute(`${web.storageOrigin}/**`);
  }, 120_000);

  test("a reload keeps the session; log out ends it", async () => {
    const { page } = person;
    await page.goto("/");
    await expectHome(page);
    await page.reload();
    await expectHome(page);
    await logOutThenOpen(person, "/");
    await logInInApp(page, email);
    await expectHome(page);
  }, 120_000);

  test("no console errors, and no request but to the app and the photo store", () => {
    expectNoConsoleErrors(person);
    expectOnlyHosts(person, web.app.url, web.storageOrigin);
  });
});
