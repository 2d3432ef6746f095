import { ConfigError } from "@hangout/platform/config";
import { serveHttp } from "@hangout/platform/serve";
import { releaseStartupMemory } from "@hangout/platform/startup-memory";
import { createHangoutService } from "./app.ts";
import { loadHangoutConfig } from "./config.ts";

try {
  const config = loadHangoutConfig();
  const { platform, app, start } = await createHangoutService(config);
  await start();
  serveHttp(platform, app, { hostname: config.HANGOUT_HOST, port: config.HANGOUT_PORT });
  await releaseStartupMemory(platform.logger);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`hangout: ${error.message}`);
  process.exit(1);
}
