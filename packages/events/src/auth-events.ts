import { Type as t } from "@sinclair/typebox";
import { defineEvent } from "./define.ts";
import { Uuid } from "./schema-parts.ts";

export const userSignedUp = defineEvent({
  name: "user.signed-up",
  version: 1,
  description:
    "Someone created an account. Only the id travels: consumers that need the email or name (a welcome email, pending invitations to that address) look the user up over gRPC (auth.v1.UserDirectory).",
  producer: "auth",
  aggregate: "user",
  subject: "userId",
  schema: t.Object({ userId: Uuid("The new user") }, { additionalProperties: false }),
  example: { userId: "0197a4e9-2b3c-7d4e-9f50-b2c3d4e5f607" },
});

export const authEvents = [userSignedUp] as const;
