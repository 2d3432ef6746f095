import { createAccessTokenVerifier, remoteKeys } from "@hangout/platform/access-token";
import { createDatabase } from "@hangout/platform/db";
import { serviceRelay } from "@hangout/platform/outbox/service-relay";
import { defineService } from "@hangout/platform/service/definition";
import { loadHangoutConfig } from "./config.ts";
import { eventsConsumer } from "./consumers/events.ts";
import { schema } from "./db/schema.ts";
import type { HangoutDeps } from "./deps.ts";
import { setUpLive } from "./live/setup.ts";
import { createActivitiesRepository } from "./repositories/activities.ts";
import { createHangoutsRepository } from "./repositories/hangouts.ts";
import { createIdempotencyRepository } from "./repositories/idempotency.ts";
import { createInvitationsRepository } from "./repositories/invitations.ts";
import { createMembersRepository } from "./repositories/members.ts";
import { createMemoriesRepository } from "./repositories/memories.ts";
import { createServiceClients } from "./repositories/service-clients.ts";
import { routes } from "./routes/index.ts";
import { createAccess } from "./services/access.ts";
import { createActivities } from "./services/activities.ts";
import { createHangouts } from "./services/hangouts.ts";
import { createIdempotency } from "./services/idempotency.ts";
import { createInvitations } from "./services/invitations.ts";
import { createMembers } from "./services/members.ts";
import { createMemories } from "./services/memories.ts";
import { createPhotos } from "./services/photos.ts";
import { sweeperTask } from "./tasks/sweeper.ts";

/** The public product API: hangouts, members and RSVPs, activities and votes, photo memories. */
export const hangoutService = defineService({
  name: "hangout",
  description: "Hangouts, their members and RSVPs, activities and votes, and photo memories.",
  loadConfig: loadHangoutConfig,
  http: (config) => ({ hostname: config.HANGOUT_HOST, port: config.HANGOUT_PORT }),
  databaseUrl: (config) => config.HANGOUT_DATABASE_URL,
  // It calls file and auth over mTLS.
  certificates: "required",

  build({ config, platform, clock, pool, hot, certificates }) {
    const db = createDatabase(pool, schema);
    // Publishes the outbox the use cases below write (docs/decisions/0014-outbox-relay.md).
    const relay = serviceRelay(platform, config, pool, clock);
    const clients = createServiceClients(config, certificates, platform);
    const hangoutsRepo = createHangoutsRepository(db, hot);
    const access = createAccess(hangoutsRepo);
    const invitationsRepo = createInvitationsRepository(db);
    const invitations = createInvitations({ repo: invitationsRepo, access, clients, clock });
    const memoriesRepo = createMemoriesRepository(db, hot);
    // Takes up pending invitations when their address signs up (auth's `user.signed-up`), and
    // gives memories their photo's outcome (file's `file.processed`).
    const consumer = eventsConsumer(
      platform,
      config,
      db,
      { invitations, photos: createPhotos({ repo: memoriesRepo, clock, logger: platform.logger }) },
      clock,
    );
    const memories = createMemories({
      repo: memoriesRepo,
      hangouts: hangoutsRepo,
      access,
      clients,
      clock,
      logger: platform.logger,
    });
    // What members see change as it happens (issue 18).
    const live = setUpLive({ config, platform, db, clients, memories, clock });
    const deps: HangoutDeps = {
      platform,
      config,
      clock,
      verify: createAccessTokenVerifier(remoteKeys(config.AUTH_JWKS_URL), {
        issuer: config.AUTH_JWT_ISSUER,
        audience: config.AUTH_JWT_AUDIENCE,
      }),
      idempotent: createIdempotency(
        createIdempotencyRepository(db),
        config.IDEMPOTENCY_TTL_SECONDS,
        clock,
      ),
      access,
      hangouts: createHangouts({
        repo: hangoutsRepo,
        access,
        clock,
        purgeMemories: (id) => memories.purgeHangout(id),
      }),
      members: createMembers({
        repo: createMembersRepository(db),
        invitations: invitationsRepo,
        access,
        clients,
        clock,
        invitationTtlDays: config.HANGOUT_PENDING_INVITATION_TTL_DAYS,
      }),
      invitations,
      activities: createActivities({ repo: createActivitiesRepository(db), access, clock }),
      memories,
      live: live.hub,
    };
    return {
      deps,
      routes: routes(deps),
      readiness: [relay.readiness, consumer.readiness, live.readiness],
      prepare: async () => {
        relay.start();
        consumer.start();
        await live.start();
      },
      tasks: [
        sweeperTask(memories, invitations, config, clock, platform.logger),
        consumer.pruneTask,
        live.history,
      ],
    };
  },
});
