import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chromium } from "playwright-core";
import { commonConfigSchema, configSchema, loadConfig } from "./config.ts";
import { createHttpApp } from "./http-app.ts";
import { createPlatform } from "./platform.ts";
import { type HttpService, serveHttp } from "./serve.ts";

// The docs page in a real browser (Debian's Chromium, installed by scripts/ensure-test-tools.sh),
// with every request outside this server blocked: the page must render from local assets only.
let service: HttpService;
beforeAll(() => {
  const platform = createPlatform("browser", loadConfig(configSchema(commonConfigSchema)), {
    logDestination: { write: () => {} },
  });
  const app = createHttpApp(platform, { version: "9.9.9", description: "demo", readiness: [] });
  service = serveHttp(platform, app, { hostname: "127.0.0.1", port: 0, handleSignals: false });
});
afterAll(() => service.shutdown());

describe("docs page", () => {
  test("renders the API reference offline", async () => {
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    try {
      const page = await browser.newPage();
      const foreign: string[] = [];
      await page.route("**/*", (route) => {
        const url = route.request().url();
        if (url.startsWith(service.url) || url.startsWith("data:")) return route.continue();
        foreign.push(url);
        return route.abort();
      });
      await page.goto(`${service.url}/docs`);
      const title = page.locator(".swagger-ui .info .title");
      await title.waitFor({ timeout: 15_000 });
      expect(await title.textContent()).toContain("browser API");
      expect(await page.locator(".opblock-summary-path").allTextContents()).toContain("/healthz");
      expect(foreign).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 30_000);
});
