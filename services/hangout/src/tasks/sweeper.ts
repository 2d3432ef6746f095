import type { Logger } from "@hangout/platform/logger";
import type { ServiceTask } from "@hangout/platform/service/definition";
import type { HangoutConfig } from "../config.ts";
import type { Invitations } from "../services/invitations.ts";
import type { Memories } from "../services/memories.ts";

/**
 * Every HANGOUT_SWEEP_INTERVAL_SECONDS: settles unfinished memory uploads and deletions, and
 * deletes expired pending invitations.
 */
export const sweeperTask = (
  memories: Memories,
  invitations: Invitations,
  config: HangoutConfig,
  clock: () => Date,
  logger: Logger,
): ServiceTask => ({
  name: "sweeper",
  intervalSeconds: config.HANGOUT_SWEEP_INTERVAL_SECONDS,
  async run() {
    // Invitations first: they need only the database, memories may wait on the file service.
    const expiredInvitations = await invitations.sweep();
    if (expiredInvitations)
      logger.info({ expiredInvitations }, "sweeper deleted expired invitations");
    const pendingBefore = new Date(
      clock().getTime() - config.HANGOUT_PENDING_MEMORY_TTL_SECONDS * 1000,
    );
    const result = await memories.sweep(pendingBefore);
    if (result.deleted || result.settled || result.hangoutsRemoved) {
      logger.info(result, "sweeper settled unfinished memories");
    }
  },
});
