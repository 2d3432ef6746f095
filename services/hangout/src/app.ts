import { createAccessTokenVerifier, remoteKeys } from "@hangout/platform/access-token";
import { certificatesFromConfig } from "@hangout/platform/certificates/from-config";
import { createDatabase, createPool, databaseCheck } from "@hangout/platform/db";
import { createHttpApp } from "@hangout/platform/http-app";
import { createPlatform, type PlatformOptions } from "@hangout/platform/platform";
import { createServiceClients } from "./clients/clients.ts";
import type { HangoutConfig } from "./config.ts";
import { schema } from "./db/schema.ts";
import type { HangoutDeps } from "./deps.ts";
import { createIdempotency } from "./http/idempotency.ts";
import { createHangoutsRepository } from "./repositories/hangouts.ts";
import { createIdempotencyRepository } from "./repositories/idempotency.ts";
import { createMemoriesRepository } from "./repositories/memories.ts";
import { activitiesRoutes } from "./routes/activities-routes.ts";
import { createHangoutRoute } from "./routes/create-hangout.ts";
import { deleteHangoutRoute } from "./routes/delete-hangout.ts";
import { getHangoutRoute } from "./routes/get-hangout.ts";
import { listHangoutsRoute } from "./routes/list-hangouts.ts";
import { membersRoutes } from "./routes/members-routes.ts";
import { memoriesRoutes } from "./routes/memories-routes.ts";
import { updateHangoutRoute } from "./routes/update-hangout.ts";
import { createAccess } from "./services/access.ts";
import { createHangouts } from "./services/hangouts.ts";
import { createMemories } from "./services/memories.ts";
import { startSweeper } from "./services/sweeper.ts";

export interface HangoutServiceOptions {
  /** The time source; tests move it forward instead of sleeping. */
  clock?: () => Date;
  logDestination?: PlatformOptions["logDestination"];
}

/** Wires the hangout service: HTTP API, database, and mTLS clients of file and auth. */
export async function createHangoutService(
  config: HangoutConfig,
  options: HangoutServiceOptions = {},
) {
  const clock = options.clock ?? (() => new Date());
  const platform = createPlatform("hangout", config, { logDestination: options.logDestination });
  const pool = createPool(config.HANGOUT_DATABASE_URL);
  platform.lifecycle.onClose("database", () => pool.end());
  const db = createDatabase(pool, schema);
  const certificates = await certificatesFromConfig(
    "hangout",
    config,
    platform.logger,
    platform.metrics.registry,
  ).then((manager) => {
    if (!manager)
      throw new Error("hangout calls file and auth over mTLS: set STEP_CA_URL or LOCAL_CA_DIR");
    return manager;
  });
  const clients = createServiceClients(config, certificates, platform);

  const hangoutsRepo = createHangoutsRepository(db);
  const access = createAccess(hangoutsRepo);
  const memories = createMemories({
    repo: createMemoriesRepository(db),
    hangouts: hangoutsRepo,
    access,
    clients,
    clock,
    logger: platform.logger,
  });
  const deps: HangoutDeps = {
    platform,
    config,
    db,
    clock,
    clients,
    access,
    verify: createAccessTokenVerifier(remoteKeys(config.AUTH_JWKS_URL), {
      issuer: config.AUTH_JWT_ISSUER,
      audience: config.AUTH_JWT_AUDIENCE,
    }),
    idempotent: createIdempotency(
      createIdempotencyRepository(db),
      config.IDEMPOTENCY_TTL_SECONDS,
      clock,
    ),
    hangouts: createHangouts({
      repo: hangoutsRepo,
      access,
      clock,
      purgeMemories: (id) => memories.purgeHangout(id),
    }),
    memories,
  };

  const app = createHttpApp(platform, {
    version: "1.0.0",
    description: "Hangouts, their members and RSVPs, activities and votes, and photo memories.",
    readiness: [databaseCheck(pool), certificates.readinessCheck()],
  })
    .use(createHangoutRoute(deps))
    .use(listHangoutsRoute(deps))
    .use(getHangoutRoute(deps))
    .use(updateHangoutRoute(deps))
    .use(deleteHangoutRoute(deps))
    .use(membersRoutes(deps))
    .use(activitiesRoutes(deps))
    .use(memoriesRoutes(deps));

  /** Obtains the client certificate and starts the sweeper. */
  async function start() {
    await certificates.start();
    platform.lifecycle.onClose("certificates", () => certificates.stop());
    const sweeper = startSweeper(memories, config, clock, platform.logger);
    platform.lifecycle.onClose("sweeper", () => sweeper.stop());
  }

  return { platform, app, pool, deps, certificates, start };
}
