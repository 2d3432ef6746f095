import { type Static, Type as t } from "@sinclair/typebox";
import { describedPattern } from "./formats.ts";
import { DateTime, Uuid } from "./schema-parts.ts";

/*
 * The CloudEvents 1.0 envelope every event travels in, JSON (structured mode): the AMQP message
 * body is this object, `content-type: application/cloudevents+json`. See README.md for naming,
 * versioning and where the trace context rides.
 */

/** Every event type starts with this reverse-DNS prefix and ends with `.v<major>`. */
export const TYPE_PREFIX = "dev.hangout-planner.";

const SEGMENT = "[a-z]+(?:-[a-z]+)*";
const TYPE_PATTERN = describedPattern(
  `^dev\\.hangout-planner\\.${SEGMENT}(?:\\.${SEGMENT})+\\.v[1-9][0-9]*$`,
  'an event type named "dev.hangout-planner.<entity>.<action>.v<major>"',
);
const TYPE = new RegExp(TYPE_PATTERN);

/** `dev.hangout-planner.hangout.created.v1` → `{ name: "hangout.created", version: 1 }`. */
export function splitType(type: string): { name: string; version: number } | undefined {
  if (!TYPE.test(type)) return undefined;
  const at = type.lastIndexOf(".v");
  return { name: type.slice(TYPE_PREFIX.length, at), version: Number(type.slice(at + 2)) };
}

const EVENT_ID = describedPattern(
  "^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
  "a lower-case UUID version 7",
);

const TRACEPARENT = describedPattern(
  "^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$",
  "a W3C traceparent, version 00 (00-<trace id>-<span id>-<flags>, lower-case hex)",
);

export const envelopeFields = {
  specversion: t.Literal("1.0", { description: "CloudEvents version" }),
  id: t.String({
    pattern: EVENT_ID,
    description:
      "Unique per event, and the same on every redelivery: consumers de-duplicate on it. UUID v7, so ids sort by creation",
  }),
  source: t.String({
    minLength: 1,
    description: "The producing service, as a URI reference: /hangout or /auth",
  }),
  type: t.String({
    pattern: TYPE_PATTERN,
    description:
      "What happened and the major version of `data`: dev.hangout-planner.<entity>.<action>.v<major>",
  }),
  subject: Uuid(
    "The id of the aggregate the event is about (a hangout, a user, a file); events of one subject are published in order",
  ),
  time: DateTime("When the change was committed"),
  datacontenttype: t.Literal("application/json", { description: "`data` is a JSON object" }),
  traceparent: t.Optional(
    t.String({
      pattern: TRACEPARENT,
      description:
        "Distributed Tracing extension: the trace context where the event was created. The relay also sends it as the AMQP message header `traceparent`; consumer spans link to it",
    }),
  ),
  tracestate: t.Optional(
    t.String({
      maxLength: 512,
      description: "Distributed Tracing extension: W3C tracestate of the same context, if any",
    }),
  ),
};

/** Any event of this system, `data` unchecked: what every consumer can read first. */
export const Envelope = t.Object(
  {
    ...envelopeFields,
    data: t.Unknown({ description: "The event's data; see its type's schema" }),
  },
  {
    title: "Hangout Planner event envelope (CloudEvents 1.0)",
    additionalProperties: false,
  },
);

export type Envelope = Static<typeof Envelope>;
