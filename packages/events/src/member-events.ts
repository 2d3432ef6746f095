import { Type as t } from "@sinclair/typebox";
import { defineEvent } from "./define.ts";
import { exampleIds } from "./hangout-events.ts";
import { OneOf, rsvps, Uuid } from "./schema-parts.ts";

const hangoutId = Uuid("The hangout");

const exampleInvitation = "0197a4f2-5e6f-7a80-8b91-c2d3e4f5a6b7";

/*
 * Events never carry an existing user's email address: consumers look people up by id over
 * gRPC. The one address that may travel is one that belongs to no account yet, since there is
 * nobody to look up.
 */
const ExistingUser = t.Object(
  { userId: Uuid("The invited user, a member from now on with RSVP pending") },
  { additionalProperties: false, description: "an existing user, by userId only" },
);

const UnknownAddress = t.Object(
  {
    invitationId: Uuid("The pending invitation; `member.joined` names it when it is taken up"),
    email: t.String({
      format: "email",
      maxLength: 254,
      description: "The address invited, which belongs to no account",
    }),
  },
  {
    additionalProperties: false,
    description: "an address with no account, by invitationId and email",
  },
);

export const memberInvited = defineEvent({
  name: "member.invited",
  version: 1,
  description:
    "The owner invited someone. An existing user is named by `userId` only and is a member at once; an address with no account gets a pending invitation and is the only case that carries an email.",
  producer: "hangout",
  aggregate: "hangout",
  subject: "hangoutId",
  schema: t.Object(
    {
      hangoutId,
      invitedBy: Uuid("Who invited (the owner)"),
      invitee: t.Union([ExistingUser, UnknownAddress], {
        description: "Who was invited: an existing user by id, or an address with no account",
      }),
    },
    { additionalProperties: false },
  ),
  example: {
    hangoutId: exampleIds.hangout,
    invitedBy: exampleIds.owner,
    invitee: { invitationId: exampleInvitation, email: "zoe@example.com" },
  },
});

export const memberJoined = defineEvent({
  name: "member.joined",
  version: 1,
  description:
    "Someone invited by address signed up: their pending invitation became membership, RSVP pending.",
  producer: "hangout",
  aggregate: "hangout",
  subject: "hangoutId",
  schema: t.Object(
    {
      hangoutId,
      userId: Uuid("The new member"),
      invitationId: Uuid("The pending invitation they took up (`member.invited`)"),
    },
    { additionalProperties: false },
  ),
  example: {
    hangoutId: exampleIds.hangout,
    userId: exampleIds.member,
    invitationId: exampleInvitation,
  },
});

export const memberLeft = defineEvent({
  name: "member.left",
  version: 1,
  description: "A member left a hangout of their own accord (the owner cannot leave).",
  producer: "hangout",
  aggregate: "hangout",
  subject: "hangoutId",
  schema: t.Object({ hangoutId, userId: Uuid("Who left") }, { additionalProperties: false }),
  example: { hangoutId: exampleIds.hangout, userId: exampleIds.member },
});

export const memberRemoved = defineEvent({
  name: "member.removed",
  version: 1,
  description: "The owner removed a member from a hangout.",
  producer: "hangout",
  aggregate: "hangout",
  subject: "hangoutId",
  schema: t.Object(
    {
      hangoutId,
      userId: Uuid("Who was removed"),
      removedBy: Uuid("Who removed them (the owner)"),
    },
    { additionalProperties: false },
  ),
  example: {
    hangoutId: exampleIds.hangout,
    userId: exampleIds.member,
    removedBy: exampleIds.owner,
  },
});

export const rsvpChanged = defineEvent({
  name: "rsvp.changed",
  version: 1,
  description: "A member set their RSVP to another answer.",
  producer: "hangout",
  aggregate: "hangout",
  subject: "hangoutId",
  schema: t.Object(
    {
      hangoutId,
      userId: Uuid("The member"),
      from: OneOf(rsvps, "The RSVP before"),
      to: OneOf(["going", "maybe", "declined"], "The RSVP now"),
    },
    { additionalProperties: false },
  ),
  example: {
    hangoutId: exampleIds.hangout,
    userId: exampleIds.member,
    from: "pending",
    to: "going",
  },
});

export const memberEvents = [
  memberInvited,
  memberJoined,
  memberLeft,
  memberRemoved,
  rsvpChanged,
] as const;
