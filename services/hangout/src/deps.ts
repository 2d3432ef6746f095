import type { AccessTokenVerifier } from "@hangout/platform/access-token";
import type { Platform } from "@hangout/platform/platform";
import type { ServiceClients } from "./clients/clients.ts";
import type { HangoutConfig } from "./config.ts";
import type { HangoutDatabase } from "./db/index.ts";
import type { Idempotent } from "./http/idempotency.ts";
import type { Access } from "./services/access.ts";
import type { Hangouts } from "./services/hangouts.ts";
import type { Memories } from "./services/memories.ts";

/** What the routes get: platform, config and the services (never repositories directly). */
export interface HangoutDeps {
  platform: Platform;
  config: HangoutConfig;
  verify: AccessTokenVerifier;
  idempotent: Idempotent;
  access: Access;
  hangouts: Hangouts;
  memories: Memories;
  clients: ServiceClients;
  db: HangoutDatabase;
  clock: () => Date;
}
