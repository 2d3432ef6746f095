import type { Event } from "@hangout/events/registry";
import { parseEvent } from "@hangout/events/validate";
import { type ServiceConsumer, serviceConsumer } from "@hangout/platform/inbox/service-consumer";
import type { Platform } from "@hangout/platform/platform";
import type { NotificationConfig } from "../config.ts";
import type { NotificationDatabase } from "../db/index.ts";
import type { NotificationSchema } from "../db/schema.ts";
import type { UserDirectory } from "../repositories/users.ts";
import { keepAddressOptOut } from "../services/account-events.ts";
import { handledTypes, handleEvent } from "../services/event-handler.ts";

const SIGNED_UP = "dev.hangout-planner.user.signed-up.v1";

export interface EventConsumerKit {
  db: NotificationDatabase;
  config: NotificationConfig;
  platform: Platform;
  clock: () => Date;
  /** auth's UserDirectory: who signed up (events carry no address). */
  users: UserDirectory;
  /** Called after a transaction that queued deliveries committed: wakes the mailer. */
  onQueued: () => void;
  /** Tests only: shorter waits between handler attempts than the platform's. */
  backoffMs?: number[];
}

/**
 * The consumer on NOTIFICATION_QUEUE: hangout's events keep the projection and queue the
 * deliveries; auth's sign-ups carry an address's opt-out over to its account. Idempotently (the platform's inbox), retrying and dead-lettering as the platform
 * does. Stopped on shutdown; call `start()` in `prepare` and add `pruneTask` to the tasks.
 */
export function createEventConsumer(kit: EventConsumerKit): ServiceConsumer {
  const { config, platform, clock } = kit;
  return serviceConsumer<Event, NotificationSchema>(platform, config, {
    db: kit.db,
    clock,
    queue: config.NOTIFICATION_QUEUE,
    bindings: [...handledTypes, SIGNED_UP].map(anyVersion),
    parse: parseEvent,
    async handle(event, tx) {
      if (event.type === SIGNED_UP) {
        await keepAddressOptOut(tx, kit.users, event.data.userId, clock());
      } else {
        await handleEvent(event, tx, clock());
      }
    },
    // The rows the mailer looks for are visible only now; an event that queued none costs it
    // one empty look.
    afterCommit: () => kit.onQueued(),
    ...(kit.backoffMs ? { backoffMs: kit.backoffMs } : {}),
  });
}

/**
 * `dev.hangout-planner.hangout.created.v1` → `dev.hangout-planner.hangout.created.*`: a version
 * this consumer does not read yet reaches its queue and is dead-lettered by `parseEvent` (to be
 * replayed after an upgrade) instead of never being routed here at all.
 */
const anyVersion = (type: string) => type.replace(/\.v[0-9]+$/, ".*");
