import type { Event } from "@hangout/events/registry";
import { parseEvent } from "@hangout/events/validate";
import { type ServiceConsumer, serviceConsumer } from "@hangout/platform/inbox/service-consumer";
import type { Platform } from "@hangout/platform/platform";
import type { HangoutConfig } from "../config.ts";
import type { HangoutDatabase } from "../db/index.ts";
import type { HangoutSchema } from "../db/schema.ts";
import type { Invitations } from "../services/invitations.ts";
import type { Photos } from "../services/photos.ts";

export const SIGNED_UP = "dev.hangout-planner.user.signed-up.v1";
export const FILE_PROCESSED = "dev.hangout-planner.file.processed.v1";

export interface EventHandlers {
  invitations: Pick<Invitations, "signedUp">;
  photos: Pick<Photos, "processed">;
}

/**
 * hangout's consumer of other services' events, on HANGOUT_EVENTS_QUEUE, each handled in its
 * inbox transaction: auth's sign-up takes up the pending invitations of its address; file's
 * `file.processed` gives a memory's photo its outcome (docs/decisions/0018-photo-pipeline.md).
 * Call it in `build` after the gRPC clients exist (see `serviceConsumer`); start it in `prepare`.
 */
export function eventsConsumer(
  platform: Platform,
  config: HangoutConfig,
  db: HangoutDatabase,
  { invitations, photos }: EventHandlers,
  clock: () => Date,
): ServiceConsumer {
  return serviceConsumer<Event, HangoutSchema>(platform, config, {
    db,
    clock,
    queue: config.HANGOUT_EVENTS_QUEUE,
    bindings: [SIGNED_UP, FILE_PROCESSED],
    parse: parseEvent,
    async handle(event, tx) {
      if (event.type === SIGNED_UP) await invitations.signedUp(event.data.userId, tx);
      else if (event.type === FILE_PROCESSED) await photos.processed(event.data, tx);
    },
  });
}
