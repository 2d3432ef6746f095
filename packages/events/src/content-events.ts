import { Type as t } from "@sinclair/typebox";
import { defineEvent } from "./define.ts";
import { photoFailureReasons } from "./file-events.ts";
import { exampleIds } from "./hangout-events.ts";
import { Nullable, OneOf, Text, Uuid } from "./schema-parts.ts";

/* What members add to a hangout: activities and photo memories. */

const hangoutId = Uuid("The hangout");

const exampleMemory = {
  memoryId: "0197a4f5-8a9b-7c0d-9e1f-203142536475",
  fileId: "0197a4f5-8a90-7123-8456-789abcdef012",
} as const;

export const activityProposed = defineEvent({
  name: "activity.proposed",
  version: 1,
  description: "A member proposed an activity for a hangout.",
  producer: "hangout",
  aggregate: "hangout",
  subject: "hangoutId",
  schema: t.Object(
    {
      hangoutId,
      activityId: Uuid("The activity"),
      proposedBy: Uuid("The member who proposed it"),
      title: Text("The activity's title"),
    },
    { additionalProperties: false },
  ),
  example: {
    hangoutId: exampleIds.hangout,
    activityId: "0197a4f3-6f70-7a81-9c92-d3e4f5a6b7c8",
    proposedBy: exampleIds.member,
    title: "Frisbee",
  },
});

export const memoryAdded = defineEvent({
  name: "memory.added",
  version: 1,
  description:
    "A member's photo was confirmed: the file service checked its bytes, and members can see it now.",
  producer: "hangout",
  aggregate: "hangout",
  subject: "hangoutId",
  schema: t.Object(
    {
      hangoutId,
      memoryId: Uuid("The memory"),
      uploadedBy: Uuid("The member who uploaded it"),
      fileId: Uuid("The file service's id of the photo"),
      contentType: OneOf(
        ["image/jpeg", "image/png", "image/gif", "image/webp"],
        "The photo's type, checked against its bytes",
      ),
      size: t.Integer({ minimum: 1, description: "The photo's size in bytes" }),
    },
    { additionalProperties: false },
  ),
  example: {
    hangoutId: exampleIds.hangout,
    memoryId: exampleMemory.memoryId,
    uploadedBy: exampleIds.member,
    fileId: exampleMemory.fileId,
    contentType: "image/jpeg",
    size: 2_481_152,
  },
});

export const memoryRemoved = defineEvent({
  name: "memory.removed",
  version: 1,
  description:
    "A confirmed memory was deleted, by its uploader or the owner. Deleting a hangout removes its memories without this event (`hangout.deleted`).",
  producer: "hangout",
  aggregate: "hangout",
  subject: "hangoutId",
  schema: t.Object(
    {
      hangoutId,
      memoryId: Uuid("The memory"),
      fileId: Uuid("The file service's id of the photo, deleted with it"),
      removedBy: Uuid("Who deleted it"),
    },
    { additionalProperties: false },
  ),
  example: {
    hangoutId: exampleIds.hangout,
    memoryId: exampleMemory.memoryId,
    fileId: exampleMemory.fileId,
    removedBy: exampleIds.owner,
  },
});

export const memoryProcessed = defineEvent({
  name: "memory.processed",
  version: 1,
  description:
    "A confirmed memory's photo left processing: ready (its thumbnail, preview and metadata-free copy can be shown) or failed with a reason; an infected photo's objects are gone. Members see it live; the uploader is emailed when it failed.",
  producer: "hangout",
  aggregate: "hangout",
  subject: "hangoutId",
  schema: t.Object(
    {
      hangoutId,
      memoryId: Uuid("The memory"),
      uploadedBy: Uuid("The member who uploaded it"),
      fileId: Uuid("The file service's id of the photo"),
      status: OneOf(["ready", "failed"], "How processing ended"),
      failureReason: Nullable(OneOf(photoFailureReasons, "Why it failed"), "null when ready"),
    },
    { additionalProperties: false },
  ),
  example: {
    hangoutId: exampleIds.hangout,
    memoryId: exampleMemory.memoryId,
    uploadedBy: exampleIds.member,
    fileId: exampleMemory.fileId,
    status: "failed",
    failureReason: "infected",
  },
});

export const contentEvents = [
  activityProposed,
  memoryAdded,
  memoryRemoved,
  memoryProcessed,
] as const;
