import { ConfigError } from "@hangout/platform/config";
import { serveHttp } from "@hangout/platform/serve";
import { releaseStartupMemory } from "@hangout/platform/startup-memory";
import { createFileService } from "./app.ts";
import { loadFileConfig } from "./config.ts";

try {
  const config = loadFileConfig();
  const { platform, app, start } = await createFileService(config);
  serveHttp(platform, app, { hostname: config.FILE_HOST, port: config.FILE_HTTP_PORT });
  await start();
  await releaseStartupMemory(platform.logger);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`file: ${error.message}`);
  process.exit(1);
}
