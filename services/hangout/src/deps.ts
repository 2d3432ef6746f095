import type { AccessTokenVerifier } from "@hangout/platform/access-token";
import type { Platform } from "@hangout/platform/platform";
import type { HangoutConfig } from "./config.ts";
import type { LiveHub } from "./live/hub.ts";
import type { Access } from "./services/access.ts";
import type { Activities } from "./services/activities.ts";
import type { Hangouts } from "./services/hangouts.ts";
import type { Idempotent } from "./services/idempotency.ts";
import type { Invitations } from "./services/invitations.ts";
import type { Members } from "./services/members.ts";
import type { Memories } from "./services/memories.ts";

/** What every route gets: platform, config and the use cases, never a repository or the pool. */
export interface HangoutDeps {
  platform: Platform;
  config: HangoutConfig;
  clock: () => Date;
  verify: AccessTokenVerifier;
  idempotent: Idempotent;
  access: Access;
  hangouts: Hangouts;
  members: Members;
  invitations: Invitations;
  activities: Activities;
  memories: Memories;
  /** The replica's open event streams. */
  live: LiveHub;
}
