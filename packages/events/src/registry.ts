import { type Static, Type as t } from "@sinclair/typebox";
import { authEvents } from "./auth-events.ts";
import { contentEvents } from "./content-events.ts";
import type { EventDefinition } from "./define.ts";
import { type Envelope, envelopeFields, splitType } from "./envelope.ts";
import { fileEvents } from "./file-events.ts";
import { hangoutEvents, hangoutSignals } from "./hangout-events.ts";
import { memberEvents } from "./member-events.ts";

const definitions = [
  ...hangoutEvents,
  ...memberEvents,
  ...contentEvents,
  ...authEvents,
  ...fileEvents,
  ...hangoutSignals,
] as const;

type Definition = (typeof definitions)[number];

/** Every event type string of the contract. */
export type EventType = Definition["type"];

/** Every event type of the contract, by its CloudEvents `type`. */
export const eventTypes = Object.fromEntries(definitions.map((d) => [d.type, d])) as {
  [D in Definition as D["type"]]: D;
};

export const eventTypeList: readonly EventDefinition[] = definitions;

export type DataOf<T extends EventType> = Static<(typeof eventTypes)[T]["schema"]>;

/** A whole event of type `T`, as consumers receive it. */
export type Event<T extends EventType = EventType> = {
  [K in T]: Omit<Envelope, "type" | "data"> & { type: K; data: DataOf<K> };
}[T];

export const isEventType = (type: string): type is EventType => Object.hasOwn(eventTypes, type);

/** The highest version of each name this contract knows (`hangout.created` → 1). */
export const latestVersions: ReadonlyMap<string, number> = definitions.reduce((latest, d) => {
  latest.set(d.name, Math.max(d.version, latest.get(d.name) ?? 0));
  return latest;
}, new Map<string, number>());

/**
 * Why a type string is not one of ours, or undefined when it is: unknown, a version newer than
 * this contract (a producer deployed ahead of its consumers), or an older one no longer read.
 */
export function typeProblem(
  type: string,
): { kind: "unknown-type" | "newer-version"; reason: string } | undefined {
  if (isEventType(type)) return undefined;
  // Long enough for any real type; a hostile one must not flood the dead-letter queue.
  const quoted = JSON.stringify(type.length > 120 ? `${type.slice(0, 120)}…` : type);
  const parts = splitType(type);
  const latest = parts && latestVersions.get(parts.name);
  if (!parts || latest === undefined) {
    return {
      kind: "unknown-type",
      reason: `type ${quoted} is not a known event type`,
    };
  }
  if (parts.version > latest) {
    return {
      kind: "newer-version",
      reason: `type ${quoted} is version ${parts.version} of ${parts.name}, newer than this consumer reads (up to v${latest})`,
    };
  }
  return {
    kind: "unknown-type",
    reason: `type ${quoted} is not a known version of ${parts.name}`,
  };
}

/** The whole event of one type: the envelope with its `type`, `source` and `data` pinned. */
export function eventSchema(definition: EventDefinition) {
  return t.Object(
    {
      ...envelopeFields,
      type: t.Literal(definition.type, { description: definition.description }),
      source: t.Literal(`/${definition.producer}`, { description: "The producing service" }),
      subject: t.String({
        format: "uuid",
        description: `The ${definition.aggregate} the event is about; equal to data.${definition.subject}`,
      }),
      data: definition.schema,
    },
    { title: definition.type, description: definition.description, additionalProperties: false },
  );
}
