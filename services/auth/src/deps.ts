import type { Platform } from "@hangout/platform/platform";
import type { AuthConfig } from "./config.ts";
import type { AccessTokens } from "./services/access-tokens.ts";
import type { Accounts } from "./services/accounts.ts";
import type { Sessions } from "./services/sessions.ts";

/** What the routes get: the platform, config and the services (never repositories directly). */
export interface AuthDeps {
  platform: Platform;
  config: AuthConfig;
  accounts: Accounts;
  sessions: Sessions;
  tokens: AccessTokens;
}
