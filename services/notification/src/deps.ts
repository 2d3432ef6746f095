import type { AccessTokenVerifier } from "@hangout/platform/access-token";
import type { Consumer } from "@hangout/platform/inbox/consumer";
import type { Platform } from "@hangout/platform/platform";
import type { NotificationConfig } from "./config.ts";
import type { Mailer } from "./services/mailer.ts";
import type { Preferences } from "./services/preferences.ts";
import type { Unsubscribe } from "./services/unsubscribe.ts";

/** What every route gets, and what tests reach: never a repository or the pool. */
export interface NotificationDeps {
  platform: Platform;
  config: NotificationConfig;
  clock: () => Date;
  verify: AccessTokenVerifier;
  preferences: Preferences;
  unsubscribe: Unsubscribe;
  /** Sends the queued emails (started in `prepare`); tests run rounds and wake it. */
  mailer: Mailer;
  /** hangout's events in, deliveries queued (started in `prepare`). */
  consumer: Consumer;
}
