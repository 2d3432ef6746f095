import { certificatesFromConfig } from "@hangout/platform/certificates/from-config";
import { createDatabase, createPool, databaseCheck } from "@hangout/platform/db";
import { createGrpcServer } from "@hangout/platform/grpc/server";
import { createHttpApp } from "@hangout/platform/http-app";
import { createPlatform, type PlatformOptions } from "@hangout/platform/platform";
import { UserDirectoryDefinition } from "@hangout/proto/auth/v1/user_directory";
import type { AuthConfig } from "./config.ts";
import { schema } from "./db/schema.ts";
import type { AuthDeps } from "./deps.ts";
import { userDirectory } from "./grpc/user-directory.ts";
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
  const certificates = await certificatesFromConfig(
    "auth",
    config,
    platform.logger,
    platform.metrics.registry,
  );

  const app = createHttpApp(platform, {
    version: "1.0.0",
    description: "Accounts, login sessions and the keys that verify access tokens.",
    readiness: [databaseCheck(pool), ...(certificates ? [certificates.readinessCheck()] : [])],
  })
    .use(signupRoute(deps))
    .use(loginRoute(deps))
    .use(refreshRoute(deps))
    .use(logoutRoute(deps))
    .use(meRoute(deps))
    .use(jwksRoute(deps));

  /** Obtains the certificate and serves UserDirectory over mTLS (only `hangout` may call). */
  async function startGrpc(): Promise<number | undefined> {
    if (!certificates) {
      platform.logger.info("STEP_CA_URL is not set: the UserDirectory gRPC server is off");
      return undefined;
    }
    await certificates.start();
    platform.lifecycle.onClose("certificates", () => certificates.stop());
    const grpc = createGrpcServer({
      certificates,
      allowedCallers: ["hangout"],
      logger: platform.logger,
      registry: platform.metrics.registry,
    });
    grpc.server.add(UserDirectoryDefinition, userDirectory(users));
    const port = await grpc.listen(`${config.AUTH_HOST}:${config.AUTH_GRPC_PORT}`);
    platform.lifecycle.onClose("grpc", () => grpc.shutdown());
    platform.logger.info({ port }, "UserDirectory gRPC listening (mTLS)");
    return port;
  }

  return { platform, app, pool, certificates, startGrpc };
}
