import { createDatabase } from "@hangout/platform/db";
import { serviceRelay } from "@hangout/platform/outbox/service-relay";
import { defineService } from "@hangout/platform/service/definition";
import { UserDirectoryDefinition } from "@hangout/proto/auth/v1/user_directory";
import { loadAuthConfig } from "./config.ts";
import { schema } from "./db/schema.ts";
import type { AuthDeps } from "./deps.ts";
import { userDirectory } from "./grpc/user-directory.ts";
import { loadSigningKey } from "./keys.ts";
import { createLoginThrottlesRepository } from "./repositories/login-throttles.ts";
import { createRefreshTokensRepository } from "./repositories/refresh-tokens.ts";
import { createUsersRepository } from "./repositories/users.ts";
import { routes } from "./routes/index.ts";
import { createAccessTokens } from "./services/access-tokens.ts";
import { createAccounts } from "./services/accounts.ts";
import { createLoginThrottle } from "./services/login-throttle.ts";
import { createPasswordHasher } from "./services/passwords.ts";
import { createSessions } from "./services/sessions.ts";

/** Accounts, login sessions and the keys that verify access tokens; gRPC UserDirectory. */
export const authService = defineService({
  name: "auth",
  description: "Accounts, login sessions and the keys that verify access tokens.",
  loadConfig: loadAuthConfig,
  http: (config) => ({ hostname: config.AUTH_HOST, port: config.AUTH_PORT }),
  databaseUrl: (config) => config.AUTH_DATABASE_URL,
  // Without a CA, auth still serves its HTTP API; only UserDirectory (gRPC) is off.
  certificates: "optional",

  async build({ config, platform, clock, pool, hot }) {
    const db = createDatabase(pool, schema);
    const users = createUsersRepository(db, hot);
    const tokens = createAccessTokens(await loadSigningKey(config), config, clock);
    const sessions = createSessions(
      createRefreshTokensRepository(db),
      config,
      clock,
      platform.logger,
    );
    const accounts = createAccounts({
      users,
      passwords: createPasswordHasher(config),
      throttle: createLoginThrottle(createLoginThrottlesRepository(db), config, clock),
      sessions,
      tokens,
      clock,
    });
    // Publishes what sign-ups append to the outbox (docs/decisions/0014-outbox-relay.md).
    const relay = serviceRelay(platform, config, pool);
    const deps: AuthDeps = { platform, config, accounts, sessions, tokens };
    return {
      deps,
      routes: routes(deps),
      readiness: [relay.readiness],
      prepare: async () => relay.start(),
      grpc: {
        port: config.AUTH_GRPC_PORT,
        // hangout (invites, member names) and notification (recipients' addresses and names).
        allowedCallers: ["hangout", "notification"],
        register: (server) => server.add(UserDirectoryDefinition, userDirectory(users)),
      },
    };
  },
});
