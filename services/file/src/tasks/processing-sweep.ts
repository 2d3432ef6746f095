import type { ServiceTask } from "@hangout/platform/service/definition";
import type { Requeue } from "../services/requeue.ts";

/**
 * Re-queues stuck files, and fails those stuck too long, every `intervalSeconds`; a backlog
 * drains batch by batch in one pass.
 */
export const processingSweepTask = (
  requeue: Requeue,
  intervalSeconds: number,
  batchSize = 100,
): ServiceTask => ({
  name: "processing-sweep",
  intervalSeconds,
  async run() {
    for (;;) {
      const { requeued, givenUp } = await requeue.sweep(batchSize);
      if (requeued.length < batchSize && givenUp.length < batchSize) return;
    }
  },
});
