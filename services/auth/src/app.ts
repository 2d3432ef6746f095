import { createDatabase, createPool, databaseCheck } from "@hangout/platform/db";
import { createHttpApp } from "@hangout/platform/http-app";
import { createPlatform, type PlatformOptions } from "@hangout/platform/platform";
import type { AuthConfig } from "./config.ts";
import { schema } from "./db/schema.ts";
import type { AuthDeps } from "./deps.ts";
import { loadSigningKey } from "./keys.ts";
import { createLoginThrottlesRepository } from "./repositories/login-throttles.ts";
import { createRefreshTokensRepository } from "./repositories/refresh-tokens.ts";
import { createUsersRepository } from "./repositories/users.ts";
import { jwksRoute } from "./routes/jwks.ts";
import { loginRoute } from "./routes/login.ts";
import { logoutRoute } from "./routes/logout.ts";
import { meRoute } from "./routes/me.ts";
import { refreshRoute } from "./routes/refresh.ts";
import { signupRoute } from "./routes/signup.ts";
import { createAccessTokens } from "./services/access-tokens.ts";
import { createAccounts } from "./services/accounts.ts";
import { createLoginThrottle } from "./services/login-throttle.ts";
import { createPasswordHasher } from "./services/passwords.ts";
import { createSessions } from "./services/sessions.ts";

export interface AuthServiceOptions {
  /** The time source; tests move it forward instead of sleeping. */
  clock?: () => Date;
  logDestination?: PlatformOptions["logDestination"];
}

/** Wires the auth service: platform, database, keys, services and routes. */
export async function createAuthService(config: AuthConfig, options: AuthServiceOptions = {}) {
  const clock = options.clock ?? (() => new Date());
  const platform = createPlatform("auth", config, { logDestination: options.logDestination });
  const pool = createPool(config.AUTH_DATABASE_URL);
  platform.lifecycle.onClose("database", () => pool.end());
  const db = createDatabase(pool, schema);

  const tokens = createAccessTokens(await loadSigningKey(config), config, clock);
  const users = createUsersRepository(db);
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
  const deps: AuthDeps = { platform, config, accounts, sessions, tokens };

  const app = createHttpApp(platform, {
    version: "1.0.0",
    description: "Accounts, login sessions and the keys that verify access tokens.",
    readiness: [databaseCheck(pool)],
  })
    .use(signupRoute(deps))
    .use(loginRoute(deps))
    .use(refreshRoute(deps))
    .use(logoutRoute(deps))
    .use(meRoute(deps))
    .use(jwksRoute(deps));

  return { platform, app, pool };
}
