import { OneOf } from "@hangout/platform/http-schemas";
import { t } from "elysia";

export const MemberView = t.Object({
  userId: t.String({ format: "uuid" }),
  name: t.String(),
  role: OneOf(["owner", "member"]),
  rsvp: OneOf(["going", "maybe", "declined", "pending"]),
});
