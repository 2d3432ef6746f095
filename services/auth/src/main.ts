import { ConfigError } from "@hangout/platform/config";
import { serveHttp } from "@hangout/platform/serve";
import { releaseStartupMemory } from "@hangout/platform/startup-memory";
import { createAuthService } from "./app.ts";
import { loadAuthConfig } from "./config.ts";

try {
  const config = loadAuthConfig();
  const { platform, app, startGrpc } = await createAuthService(config);
  serveHttp(platform, app, { hostname: config.AUTH_HOST, port: config.AUTH_PORT });
  await startGrpc();
  await releaseStartupMemory(platform.logger);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`auth: ${error.message}`);
  process.exit(1);
}
