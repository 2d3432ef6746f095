import type { Event } from "@hangout/events/registry";
import type { NewDelivery } from "../repositories/deliveries-queue.ts";
import type { ProjectedHangout } from "../repositories/projection.ts";
import { type PhotoRefusedContent, summaryOf } from "./delivery-content.ts";

type MemoryProcessed = Event<"dev.hangout-planner.memory.processed.v1">;

/** Whether a processed photo is worth an email: only one that did not make it. */
export const photoRefused = (event: MemoryProcessed) => event.data.status === "failed";

/**
 * The `photo-refused` email to the uploader of a photo that failed processing, whatever the
 * reason: the photo they added is not in the hangout and its bytes are gone, which they cannot
 * guess from having uploaded it. They uploaded it, but the refusal is the pipeline's, so the rule
 * that nobody is emailed about their own action does not apply. Filed under the `update`
 * preference ("changes to your hangouts"): the one switch and unsubscribe link that cover it.
 *
 * Keyed by the memory rather than the event: one refusal per photo, even should hangout ever
 * publish its outcome twice (decision 0016's unique key does the rest).
 */
export function photoRefusal(event: MemoryProcessed, hangout: ProjectedHangout): NewDelivery {
  const { data } = event;
  const content: PhotoRefusedContent = {
    ...summaryOf(hangout),
    email: "photo-refused",
    memoryId: data.memoryId,
    reason: data.failureReason,
  };
  return {
    sourceId: `photo:${data.memoryId}`,
    to: { userId: data.uploadedBy },
    kind: "update",
    hangoutId: hangout.id,
    content,
    traceparent: event.traceparent ?? null,
  };
}
