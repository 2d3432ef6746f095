import { ConfigError } from "../config.ts";
import type {
  CertificateNeed,
  DatabaseNeed,
  ServiceConfig,
  ServiceDefinition,
} from "./definition.ts";
import { startService } from "./start.ts";
import { releaseStartupMemory } from "./startup-memory.ts";

/**
 * A service's `main.ts`: config from the environment, start, and the start-up memory release.
 * A bad config prints every bad variable and exits 1 without a stack trace; any other start-up
 * failure is thrown as it is.
 */
export async function runService<
  C extends ServiceConfig,
  D,
  N extends CertificateNeed,
  B extends DatabaseNeed,
>(definition: ServiceDefinition<C, D, N, B>) {
  let config: C;
  try {
    config = definition.loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`${definition.name}: ${error.message}`);
    process.exit(1);
  }
  const service = await startService(definition, config);
  await releaseStartupMemory(service.platform.logger);
}
