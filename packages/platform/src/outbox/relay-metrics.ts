import { Counter, Gauge, type Registry } from "prom-client";
import type { Logger } from "../logger.ts";

export interface RelayMetrics {
  published(type: string, count: number): void;
}

/**
 * The relay's Prometheus metrics. The backlog and the age of the oldest unpublished event are read
 * from the table when Prometheus scrapes, so they keep growing while the relay cannot publish at
 * all; both gauges share one query per scrape. Every replica reports the same table: aggregate
 * them with max(), not sum().
 */
export function createRelayMetrics(options: {
  registry: Registry;
  readBacklog: () => Promise<{ count: number; oldest: Date | null }>;
  clock: () => Date;
  logger: Logger;
}): RelayMetrics {
  const { registry, readBacklog, clock, logger } = options;
  let reading: Promise<{ count: number; oldest: Date | null } | undefined> | undefined;
  const read = () => {
    reading ??= readBacklog()
      .catch((error: unknown) => {
        // The gauges keep their last values; the database's own check reports the outage.
        logger.debug({ err: error }, "could not read the outbox backlog");
        return undefined;
      })
      .finally(() => {
        reading = undefined;
      });
    return reading;
  };
  new Gauge({
    name: "outbox_backlog_events",
    help: "Events in the outbox not yet confirmed by the broker",
    registers: [registry],
    async collect() {
      const snapshot = await read();
      if (snapshot) this.set(snapshot.count);
    },
  });
  new Gauge({
    name: "outbox_oldest_unpublished_age_seconds",
    help: "Age of the next event to publish (the oldest in outbox order); 0 when there is none",
    registers: [registry],
    async collect() {
      const snapshot = await read();
      if (!snapshot) return;
      const age = snapshot.oldest ? (clock().getTime() - snapshot.oldest.getTime()) / 1000 : 0;
      this.set(Math.max(0, age));
    },
  });
  const published = new Counter({
    name: "outbox_events_published_total",
    help: "Events published to the broker and confirmed by it, by event type",
    labelNames: ["type"] as const,
    registers: [registry],
  });
  return {
    published: (type, count) => published.inc({ type }, count),
  };
}
