import type {
  InvitationContent,
  ReminderContent,
  UpdateContent,
} from "../services/delivery-content.ts";
import type { EmailInput, RenderedEmail } from "./email.ts";
import { invitationEmail } from "./invitation.ts";
import { reminderEmail } from "./reminder.ts";
import { updateEmail } from "./update.ts";

export type { EmailInput, RenderedEmail } from "./email.ts";

/** The subject, text part and HTML part of one email, by its kind. */
export function renderEmail(input: EmailInput): RenderedEmail {
  switch (input.kind) {
    case "invitation":
      return invitationEmail(input as EmailInput<InvitationContent>);
    case "update":
      return updateEmail(input as EmailInput<UpdateContent>);
    case "reminder":
      return reminderEmail(input as EmailInput<ReminderContent>);
  }
}
