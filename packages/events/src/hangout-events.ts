import { Type as t } from "@sinclair/typebox";
import { defineEvent } from "./define.ts";
import { DateTime, hangoutStatuses, Nullable, OneOf, Text, Uuid } from "./schema-parts.ts";

/** Example ids shared by the examples of every hangout event. */
export const exampleIds = {
  hangout: "0197a4f0-3c1e-7b2a-9d4e-5f6a7b8c9d01",
  owner: "0197a4e8-1a2b-7c3d-8e4f-a1b2c3d4e5f6",
  member: "0197a4e9-2b3c-7d4e-9f50-b2c3d4e5f607",
} as const;

const hangoutId = Uuid("The hangout");
const title = Text("The hangout's title");
const startsAt = DateTime("When the hangout starts");
const endsAt = Nullable(DateTime("When the hangout ends"), "When it ends, or null if open-ended");
const locationName = Nullable(Text("The place's name"), "Where it is, or null if not set");
const status = (description: string) => OneOf(hangoutStatuses, description);

export const hangoutCreated = defineEvent({
  name: "hangout.created",
  version: 1,
  description: "A user created a hangout; they are its owner and its first member, going.",
  producer: "hangout",
  aggregate: "hangout",
  subject: "hangoutId",
  schema: t.Object(
    {
      hangoutId,
      ownerId: Uuid("Who created it"),
      title,
      startsAt,
      endsAt,
      locationName,
      status: t.Literal("planning", { description: "A new hangout is always planning" }),
    },
    { additionalProperties: false },
  ),
  example: {
    hangoutId: exampleIds.hangout,
    ownerId: exampleIds.owner,
    title: "Picnic in the park",
    startsAt: "2026-06-15T18:00:00Z",
    endsAt: "2026-06-15T21:00:00Z",
    locationName: "Parc de la Tête d'Or",
    status: "planning",
  },
});

export const hangoutFields = ["title", "description", "location", "startsAt", "endsAt"] as const;

export const hangoutUpdated = defineEvent({
  name: "hangout.updated",
  version: 1,
  description:
    "The owner edited a hangout's details. `changed` names what changed; the other fields are the values after the edit. A status move is `hangout.status-changed` instead.",
  producer: "hangout",
  aggregate: "hangout",
  subject: "hangoutId",
  schema: t.Object(
    {
      hangoutId,
      actorId: Uuid("Who edited it (the owner)"),
      changed: t.Array(OneOf(hangoutFields, "A field of the hangout"), {
        minItems: 1,
        uniqueItems: true,
        description: "The fields whose value changed",
      }),
      title,
      startsAt,
      endsAt,
      locationName,
    },
    { additionalProperties: false },
  ),
  example: {
    hangoutId: exampleIds.hangout,
    actorId: exampleIds.owner,
    changed: ["startsAt", "location"],
    title: "Picnic in the park",
    startsAt: "2026-06-16T18:00:00+02:00",
    endsAt: null,
    locationName: "Berges du Rhône",
  },
});

export const hangoutStatusChanged = defineEvent({
  name: "hangout.status-changed",
  version: 1,
  description:
    "The owner moved a hangout's status: planning → confirmed or cancelled, confirmed → done or cancelled.",
  producer: "hangout",
  aggregate: "hangout",
  subject: "hangoutId",
  schema: t.Object(
    {
      hangoutId,
      actorId: Uuid("Who moved it (the owner)"),
      from: status("The status before"),
      to: status("The status now"),
      title,
      startsAt,
    },
    { additionalProperties: false },
  ),
  example: {
    hangoutId: exampleIds.hangout,
    actorId: exampleIds.owner,
    from: "planning",
    to: "confirmed",
    title: "Picnic in the park",
    startsAt: "2026-06-15T18:00:00Z",
  },
});

export const hangoutDeleted = defineEvent({
  name: "hangout.deleted",
  version: 1,
  description:
    "The owner deleted a hangout, with its members, activities and memories; no member or memory event follows for them. `memberIds` are the members it had, since nobody can look them up any more.",
  producer: "hangout",
  aggregate: "hangout",
  subject: "hangoutId",
  schema: t.Object(
    {
      hangoutId,
      actorId: Uuid("Who deleted it (the owner)"),
      title,
      startsAt,
      memberIds: t.Array(Uuid("A member"), {
        uniqueItems: true,
        description: "Every member it had when deleted, the owner included",
      }),
    },
    { additionalProperties: false },
  ),
  example: {
    hangoutId: exampleIds.hangout,
    actorId: exampleIds.owner,
    title: "Picnic in the park",
    startsAt: "2026-06-15T18:00:00Z",
    memberIds: [exampleIds.owner, exampleIds.member],
  },
});

export const hangoutLiveChanged = defineEvent({
  name: "hangout.live-changed",
  version: 1,
  description:
    "Something members see live changed in a hangout. A signal between hangout's own replicas, with no content: each reads the change from its database at `position` and pushes it to the streams it holds open. Other services have no use for it.",
  producer: "hangout",
  aggregate: "hangout",
  subject: "hangoutId",
  schema: t.Object(
    {
      hangoutId,
      position: t.Integer({
        minimum: 1,
        description: "The change's place in the order of every hangout's live changes",
      }),
    },
    { additionalProperties: false },
  ),
  example: { hangoutId: exampleIds.hangout, position: 4211 },
});

export const hangoutEvents = [
  hangoutCreated,
  hangoutUpdated,
  hangoutStatusChanged,
  hangoutDeleted,
] as const;

/** Between hangout's replicas only (listed last: the generated examples are numbered in order). */
export const hangoutSignals = [hangoutLiveChanged] as const;
