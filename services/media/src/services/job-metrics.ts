import { Counter, Histogram, type Registry } from "prom-client";
import type { JobOutcome } from "./process-upload.ts";

export interface JobMetrics {
  finished(outcome: JobOutcome, seconds: number): void;
}

/** Photos processed by outcome, and how long each took (download to report). */
export function createJobMetrics(registry: Registry): JobMetrics {
  const jobs = new Counter({
    name: "media_jobs_total",
    help: "Photos the media worker finished, by outcome (ready or the failure reason)",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const duration = new Histogram({
    name: "media_job_duration_seconds",
    help: "Time from taking a photo to reporting it: download, scan, decode, three outputs, upload",
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [registry],
  });
  return {
    finished(outcome, seconds) {
      jobs.inc({ outcome });
      duration.observe(seconds);
    },
  };
}
