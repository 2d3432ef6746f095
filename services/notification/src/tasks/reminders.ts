import { runTransaction } from "@hangout/platform/db";
import type { Logger } from "@hangout/platform/logger";
import { currentTraceparent } from "@hangout/platform/outbox/trace-context";
import type { ServiceTask } from "@hangout/platform/service/definition";
import { withSpan } from "@hangout/platform/telemetry";
import type { NotificationConfig } from "../config.ts";
import type { NotificationDatabase } from "../db/index.ts";
import { countNew, type NewDelivery, queueDeliveries } from "../repositories/deliveries-queue.ts";
import {
  claimDueReminders,
  memberIdsAnswering,
  updateHangout,
} from "../repositories/projection.ts";
import { summaryOf } from "../services/delivery-content.ts";
import { TOLD } from "../services/recipients.ts";

export interface ReminderTaskKit {
  db: NotificationDatabase;
  config: NotificationConfig;
  clock: () => Date;
  logger: Logger;
  /** Called after reminders were queued and committed: wakes the mailer. */
  onQueued: () => void;
}

/** Hangouts reminded per transaction; a run goes on until none is due. */
const BATCH = 50;

/** The source of a reminder: one per hangout and start time, so a reschedule gets a new one. */
export const reminderSourceId = (hangoutId: string, startsAt: Date) =>
  `reminder:${hangoutId}:${startsAt.getTime()}`;

/**
 * Every REMINDER_INTERVAL_SECONDS: for each live hangout starting within REMINDER_LEAD_SECONDS
 * that has had no reminder for its current start time, records that start time and queues a
 * reminder to its members going or maybe, in one transaction. The state is in the database, so
 * a reminder is queued once across runs, restarts and replicas (which skip each other's rows).
 */
export function reminderTask(kit: ReminderTaskKit): ServiceTask {
  const { db, config, clock, logger } = kit;
  return {
    name: "reminders",
    intervalSeconds: config.REMINDER_INTERVAL_SECONDS,
    run: () =>
      withSpan("reminders", {}, async () => {
        let hangouts = 0;
        let queued = 0;
        for (;;) {
          const now = clock();
          const until = new Date(now.getTime() + config.REMINDER_LEAD_SECONDS * 1000);
          const batch = await runTransaction(db, async (tx) => {
            const due = await claimDueReminders(tx, now, until, BATCH);
            const ids: string[] = [];
            for (const hangout of due) {
              await updateHangout(tx, hangout.id, { remindedStartsAt: hangout.startsAt });
              const members = await memberIdsAnswering(tx, hangout.id, TOLD);
              const rows: NewDelivery[] = members.map((userId) => ({
                sourceId: reminderSourceId(hangout.id, hangout.startsAt),
                to: { userId },
                kind: "reminder",
                hangoutId: hangout.id,
                content: summaryOf(hangout),
                traceparent: currentTraceparent() ?? null,
              }));
              ids.push(...(await queueDeliveries(tx, rows, now)));
            }
            return { hangouts: due.length, made: await countNew(tx, ids) };
          });
          hangouts += batch.hangouts;
          queued += batch.made;
          if (batch.made) kit.onQueued();
          if (batch.hangouts < BATCH) break;
        }
        if (hangouts) logger.info({ hangouts, queued }, "reminders queued");
      }),
  };
}
