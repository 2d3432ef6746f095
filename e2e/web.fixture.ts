/**
 * Issue 20's browser tests: the services of the events stack (photos included), the web app
 * built and served on localhost in front of them, and headless Debian Chromium driven by
 * playwright-core. Each person is a browser context of their own (own cookies, own session);
 * what their pages log and request is recorded so a test can require no console errors, no
 * request beyond the app and the photo store, and no serious accessibility violations.
 */
import { expect } from "bun:test";
import { mkdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { repoRoot } from "@hangout/platform/db";
import { freePorts } from "@hangout/platform/testing/ports";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { type EventsStack, startEventsStack } from "./events-stack.fixture.ts";
import { buildWebApp, serveWebApp, type WebApp } from "./web-app.fixture.ts";

export const SCREENSHOTS_DIR = join(repoRoot, "docs/screenshots");
/** Paths the app's origin sends to the services (web/build/api-proxy.ts). */
const API_PATH = /^\/(auth|\.well-known|hangouts|memories|me|notifications)(\/|\?|$)/;

export interface WebStack {
  stack: EventsStack;
  app: WebApp;
  /** The S3 endpoint photos are uploaded to and shown from (presigned URLs). */
  storageOrigin: string;
  browser: Browser;
  stop(): Promise<void>;
}

export interface RecordedRequest {
  method: string;
  url: string;
}

export interface WebPerson {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions of every page of the context. */
  consoleErrors: string[];
  /** API answers the browser logged as failed (4xx), which the app handles as a form's errors. */
  apiRefusals: string[];
  requests: RecordedRequest[];
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * The stack with file and the media worker, the app in front of it and a browser. The app's port
 * is chosen first: the emails' links and the bucket's CORS name its origin.
 */
export async function startWebStack(): Promise<WebStack> {
  const [port] = freePorts(1) as [number];
  const webAppUrl = `http://localhost:${port}`;
  const [built, started] = await Promise.allSettled([
    buildWebApp(),
    startEventsStack({}, { photos: true, webAppUrl }),
  ]);
  const undo: (() => Promise<unknown>)[] = [];
  if (started.status === "fulfilled") undo.unshift(() => started.value.stop());
  const undoAll = async () => {
    for (const step of undo) await step().catch(() => undefined);
  };
  try {
    if (built.status === "rejected") throw built.reason;
    if (started.status === "rejected") throw started.reason;
    const stack = started.value;
    const app = await serveWebApp(built.value, port, stack);
    undo.unshift(() => app.stop());
    const browser = await launchChromium();
    undo.unshift(() => browser.close());
    const storage = stack.file?.s3.endpoint;
    if (!storage) throw new Error("the stack runs without file");
    return { stack, app, storageOrigin: new URL(storage).origin, browser, stop: undoAll };
  } catch (error) {
    await undoAll();
    throw error;
  }
}

/**
 * A person at their own browser: a fresh context (no cookies) and one page in it, with relative
 * URLs resolved against the app.
 */
export async function newPerson(browser: Browser, appUrl: string): Promise<WebPerson> {
  const context = await browser.newContext({
    baseURL: appUrl,
    viewport: { width: 1200, height: 860 },
    locale: "en-GB",
    timezoneId: "Europe/London",
    colorScheme: "light",
  });
  const person: WebPerson = {
    context,
    page: undefined as unknown as Page,
    consoleErrors: [],
    apiRefusals: [],
    requests: [],
  };
  context.on("request", (request) => {
    person.requests.push({ method: request.method(), url: request.url() });
  });
  context.on("console", (message) => {
    if (message.type() !== "error") return;
    const where = message.location().url;
    const text = message.text();
    // Chromium logs every 4xx a fetch gets; the app expects them (an anonymous refresh, a form
    // the API refuses) and shows them itself. A 5xx, or any 4xx of the app's own files, counts.
    const refused = /status of 4\d\d/.test(text) && where && isApiUrl(where);
    if (refused) person.apiRefusals.push(`${text} (${where})`);
    else person.consoleErrors.push(`${message.page()?.url() ?? "?"}: ${text} (${where})`);
  });
  context.on("weberror", (error) => {
    person.consoleErrors.push(`uncaught: ${error.error().message}`);
  });
  person.page = await context.newPage();
  return person;
}

function isApiUrl(url: string) {
  try {
    return API_PATH.test(new URL(url).pathname);
  } catch {
    return false;
  }
}

export function expectNoConsoleErrors(person: WebPerson) {
  expect(person.consoleErrors).toEqual([]);
}

/** Every request of the person's context went to one of `origins` (data: and blob: aside). */
export function expectOnlyHosts(person: WebPerson, ...origins: string[]) {
  const foreign = person.requests
    .map((request) => request.url)
    .filter((url) => !url.startsWith("data:") && !url.startsWith("blob:"))
    .filter((url) => !origins.includes(new URL(url).origin));
  expect(foreign).toEqual([]);
}

let axeSource: string | undefined;

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core on the page as it is now: no serious or critical violation. */
export async function expectAxeClean(page: Page, pageName: string) {
  axeSource ??= await readFile(
    join(createRequire(import.meta.url).resolve("axe-core"), "../axe.min.js"),
    "utf8",
  );
  if (!(await page.evaluate(() => "axe" in globalThis))) {
    // Evaluated, not added as a <script>: a page whose Content-Security-Policy allows no
    // script (notification's own pages) would refuse the tag.
    await page.evaluate(axeSource);
  }
  const violations = await page.evaluate(async () => {
    // What this check reads of axe, injected above (the root tsconfig has no DOM types).
    const { axe, document } = globalThis as unknown as {
      document: unknown;
      axe: { run(context: unknown, options: unknown): Promise<{ violations: Violation[] }> };
    };
    const result = await axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => n.target.join(" ")),
    }));
  });
  const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect({ page: pageName, violations: serious }).toEqual({ page: pageName, violations: [] });
}

/** docs/screenshots/<name>.png: the whole page unless `fullPage` is false (a modal dialog). */
export async function screenshot(page: Page, name: string, { fullPage = true } = {}) {
  await mkdir(SCREENSHOTS_DIR, { recursive: true });
  await page.screenshot({
    path: join(SCREENSHOTS_DIR, `${name}.png`),
    fullPage,
    animations: "disabled",
  });
}

/**
 * Marks the page's window; `stillSamePage()` then says whether the document is the same one
 * (a navigation or reload would have dropped the mark).
 */
export async function markPage(page: Page) {
  const mark = crypto.randomUUID();
  await page.evaluate((value) => {
    (globalThis as unknown as { e2eMark: string }).e2eMark = value;
  }, mark);
  return async () =>
    (await page.evaluate(() => (globalThis as unknown as { e2eMark?: string }).e2eMark)) === mark;
}
