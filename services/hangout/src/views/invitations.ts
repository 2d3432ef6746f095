import { t } from "elysia";

/** A pending invitation as its hangout's owner sees it; nobody else sees the address. */
export const InvitationView = t.Object({
  id: t.String({ format: "uuid" }),
  email: t.String({ description: "The address invited, lower-cased" }),
  invitedBy: t.String({ format: "uuid" }),
  createdAt: t.String({ format: "date-time" }),
  expiresAt: t.String({
    format: "date-time",
    description: "When it lapses unless the owner invites the address again",
  }),
});
