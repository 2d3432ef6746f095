import { type DataOf, type Event, type EventType, eventTypes } from "./registry.ts";
import { parseEvent } from "./validate.ts";

export interface CreateOptions {
  /** Defaults to a new UUID v7. */
  id?: string;
  /** When the change was committed; defaults to now. */
  time?: Date;
  /** The W3C trace context where the event is created (the request's span). */
  traceparent?: string;
  tracestate?: string;
}

/**
 * A producer's event, ready for the outbox: `source` and `subject` come from the type's
 * definition. Throws when the data breaks the contract, so the state change it belongs to rolls
 * back instead of publishing an event every consumer would dead-letter.
 */
export function createEvent<T extends EventType>(
  type: T,
  data: DataOf<T>,
  options: CreateOptions = {},
): Event<T> {
  const definition = eventTypes[type];
  const event = {
    specversion: "1.0",
    id: options.id ?? Bun.randomUUIDv7(),
    source: `/${definition.producer}`,
    type,
    subject: (data as Record<string, unknown>)[definition.subject],
    time: (options.time ?? new Date()).toISOString(),
    datacontenttype: "application/json",
    ...(options.traceparent === undefined ? {} : { traceparent: options.traceparent }),
    ...(options.tracestate === undefined ? {} : { tracestate: options.tracestate }),
    data,
  };
  const parsed = parseEvent(event);
  if (!parsed.ok) throw new Error(`invalid ${type} event: ${parsed.reason}`);
  return parsed.event as Event<T>;
}
