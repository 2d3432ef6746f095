import { t } from "elysia";

const switches = () => ({
  invitation: t.Boolean({ description: "Emails when someone invites you to a hangout" }),
  update: t.Boolean({
    description:
      "Emails when a hangout you are going to (or may) is confirmed, cancelled, rescheduled or moved",
  }),
  reminder: t.Boolean({ description: "A reminder shortly before a hangout you are going to" }),
});

/** A user's email preferences: one switch per kind of email. */
export const PreferencesView = t.Object(switches(), {
  additionalProperties: false,
  description: "Which kinds of email you get; every kind is on until you choose",
});

/**
 * The same shape as a request body, as its own schema object: the platform marks response
 * schemas as trusted (not re-checked), and a body sharing that object would go unchecked too.
 */
export const PreferencesBody = t.Object(switches(), {
  additionalProperties: false,
  description: "All three switches",
});
