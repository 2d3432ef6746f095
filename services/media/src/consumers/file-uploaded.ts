import type { Event } from "@hangout/events/registry";
import { parseEvent } from "@hangout/events/validate";
import type { Consumer } from "@hangout/platform/inbox/consumer";
import { serviceIdempotentConsumer } from "@hangout/platform/inbox/service-consumer";
import type { Platform } from "@hangout/platform/platform";
import type { MediaConfig } from "../config.ts";
import type { JobMetrics } from "../services/job-metrics.ts";
import {
  type FileUploaded,
  type ProcessUploadDeps,
  processUpload,
} from "../services/process-upload.ts";

export const FILE_UPLOADED = "dev.hangout-planner.file.uploaded.v1";

/**
 * The worker's queue of file.uploaded: MEDIA_CONCURRENCY photos at a time. No inbox (media has no
 * database): a redelivered job runs again and ends the same (see processUpload).
 */
export function fileUploadedConsumer(
  platform: Platform,
  config: MediaConfig,
  deps: ProcessUploadDeps,
  metrics: JobMetrics,
): Consumer {
  return serviceIdempotentConsumer<Event>(platform, config, {
    queue: config.MEDIA_QUEUE,
    bindings: [FILE_UPLOADED],
    parse: parseEvent,
    prefetch: config.MEDIA_CONCURRENCY,
    async handleIdempotently(event) {
      if (event.type !== FILE_UPLOADED) return;
      const started = performance.now();
      const outcome = await processUpload(deps, event as FileUploaded);
      metrics.finished(outcome, (performance.now() - started) / 1000);
      // A photo's decoded pixels are native memory the JavaScript heap does not count, so the
      // collector would keep several photos' worth alive; one full collection per photo bounds
      // the worker's memory (docs/decisions/0018-photo-pipeline.md, "Memory").
      Bun.gc(true);
    },
  });
}
