import type mysql from "mysql2/promise";
import type { BrokerConfig } from "../config.ts";
import type { Platform } from "../platform.ts";
import { createRelay, type Relay } from "./relay.ts";

/**
 * The relay of a producing service, as every service runs it: from its broker settings, with
 * its logger and metrics, stopped on shutdown. Call it in `build` after the pool exists: closers
 * run in reverse, so the relay stops (finishing a round in flight) before the pool closes. Start
 * it in `prepare` and add `relay.readiness` (non-critical) to the service's readiness.
 */
export function serviceRelay(
  platform: Platform,
  config: BrokerConfig,
  pool: mysql.Pool,
  clock?: () => Date,
): Relay {
  const relay = createRelay({
    pool,
    url: config.AMQP_URL,
    exchange: config.EVENTS_EXCHANGE,
    retentionSeconds: config.OUTBOX_RETENTION_SECONDS,
    pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS,
    logger: platform.logger,
    metrics: platform.metrics.registry,
    ...(clock ? { clock } : {}),
  });
  platform.lifecycle.onClose("outbox relay", () => relay.stop());
  return relay;
}
