import type { ServiceTask } from "@hangout/platform/service/definition";
import type { Requeue } from "../services/requeue.ts";

/** Re-queues stuck files every `intervalSeconds`; a backlog drains batch by batch in one pass. */
export const processingSweepTask = (
  requeue: Requeue,
  intervalSeconds: number,
  batchSize = 100,
): ServiceTask => ({
  name: "processing-sweep",
  intervalSeconds,
  async run() {
    while ((await requeue.sweep(batchSize)).length === batchSize) {}
  },
});
