import type { BrokerConfig } from "../config.ts";
import type { Platform } from "../platform.ts";
import type { ServiceTask } from "../service/definition.ts";
import {
  type ConsumedEvent,
  type Consumer,
  type ConsumerSettings,
  createConsumer,
  type IdempotentHandling,
  type InboxHandling,
} from "./consumer.ts";
import { inboxPruneTask } from "./prune.ts";

/** What a service says about its consumer; the rest comes from its platform and broker config. */
type ServiceSettings<E extends ConsumedEvent> = Pick<
  ConsumerSettings<E>,
  "queue" | "bindings" | "parse" | "afterCommit" | "backoffMs" | "maxAttempts" | "prefetch"
>;

export type ServiceConsumerOptions<
  E extends ConsumedEvent,
  S extends Record<string, unknown>,
> = ServiceSettings<E> & InboxHandling<E, S> & { clock?: () => Date };

export interface ServiceConsumer extends Consumer {
  /** Forgets inbox rows older than INBOX_RETENTION_SECONDS; add it to the service's tasks. */
  pruneTask: ServiceTask;
}

/**
 * A consumer as every service runs it: on the broker and exchange of its config, with its
 * logger, metrics and tracer, stopped on shutdown. Call it in `build` after the pool and any
 * client the handler uses exist: closers run in reverse, so it stops (finishing the events in
 * hand) before they close. Start it in `prepare` and add its `readiness` (non-critical).
 */
export function serviceConsumer<E extends ConsumedEvent, S extends Record<string, unknown>>(
  platform: Platform,
  config: BrokerConfig,
  options: ServiceConsumerOptions<E, S>,
): ServiceConsumer {
  const { clock, ...consumerOptions } = options;
  return {
    ...onPlatform(platform, config, consumerOptions),
    pruneTask: inboxPruneTask(options.db, {
      retentionSeconds: config.INBOX_RETENTION_SECONDS,
      clock: clock ?? (() => new Date()),
      logger: platform.logger,
    }),
  };
}

/**
 * The same for a service without a database (the media worker): no inbox, so its handler must be
 * idempotent (docs/decisions/0018-photo-pipeline.md).
 */
export function serviceIdempotentConsumer<E extends ConsumedEvent>(
  platform: Platform,
  config: BrokerConfig,
  options: ServiceSettings<E> & IdempotentHandling<E>,
): Consumer {
  return onPlatform(platform, config, options);
}

function onPlatform<E extends ConsumedEvent, S extends Record<string, unknown>>(
  platform: Platform,
  config: BrokerConfig,
  options: ServiceSettings<E> & (InboxHandling<E, S> | IdempotentHandling<E>),
): Consumer {
  const consumer = createConsumer<E, S>({
    ...options,
    url: config.AMQP_URL,
    exchange: config.EVENTS_EXCHANGE,
    logger: platform.logger,
    metrics: platform.metrics.registry,
    tracer: platform.telemetry.tracer,
  });
  platform.lifecycle.onClose(`consumer ${options.queue}`, () => consumer.stop());
  return consumer;
}
