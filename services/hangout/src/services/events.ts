import { createEvent } from "@hangout/events/create";
import type { DataOf, Event, EventType } from "@hangout/events/registry";
import { currentTraceparent } from "@hangout/platform/outbox/trace-context";

/**
 * An event of this service for the outbox, carrying the trace context of the request (or task)
 * that made the change. Throws when the data breaks the contract, which rolls the change back.
 */
export const hangoutEvent = <T extends EventType>(type: T, data: DataOf<T>): Event<T> =>
  createEvent(type, data, { traceparent: currentTraceparent() });

export const iso = (time: Date) => time.toISOString();
