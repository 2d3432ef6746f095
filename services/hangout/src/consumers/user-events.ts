import type { Event } from "@hangout/events/registry";
import { parseEvent } from "@hangout/events/validate";
import { type ServiceConsumer, serviceConsumer } from "@hangout/platform/inbox/service-consumer";
import type { Platform } from "@hangout/platform/platform";
import type { HangoutConfig } from "../config.ts";
import type { HangoutDatabase } from "../db/index.ts";
import type { HangoutSchema } from "../db/schema.ts";
import type { Invitations } from "../services/invitations.ts";

export const SIGNED_UP = "dev.hangout-planner.user.signed-up.v1";

/**
 * hangout's consumer of auth's events, on HANGOUT_EVENTS_QUEUE: a sign-up takes up the pending
 * invitations of its address. Call it in `build` after the gRPC clients exist (see
 * `serviceConsumer`); start it in `prepare`.
 */
export function userEventsConsumer(
  platform: Platform,
  config: HangoutConfig,
  db: HangoutDatabase,
  invitations: Invitations,
  clock: () => Date,
): ServiceConsumer {
  return serviceConsumer<Event, HangoutSchema>(platform, config, {
    db,
    clock,
    queue: config.HANGOUT_EVENTS_QUEUE,
    bindings: [SIGNED_UP],
    parse: parseEvent,
    async handle(event, tx) {
      if (event.type === SIGNED_UP) await invitations.signedUp(event.data.userId, tx);
    },
  });
}
