import type {
  InvitationContent,
  PhotoRefusedContent,
  ReminderContent,
  UpdateContent,
} from "../services/delivery-content.ts";
import type { EmailInput, RenderedEmail } from "./email.ts";
import { invitationEmail } from "./invitation.ts";
import { photoRefusedEmail } from "./photo-refused.ts";
import { reminderEmail } from "./reminder.ts";
import { updateEmail } from "./update.ts";

export type { EmailInput, RenderedEmail } from "./email.ts";

/**
 * The subject, text part and HTML part of one email, by its kind; a kind may hold more than one
 * email, told apart by the content's `email` (a photo refusal is filed under `update`).
 */
export function renderEmail(input: EmailInput): RenderedEmail {
  switch (input.kind) {
    case "invitation":
      return invitationEmail(input as EmailInput<InvitationContent>);
    case "update":
      if ("email" in input.content && input.content.email === "photo-refused") {
        return photoRefusedEmail(input as EmailInput<PhotoRefusedContent>);
      }
      return updateEmail(input as EmailInput<UpdateContent>);
    case "reminder":
      return reminderEmail(input as EmailInput<ReminderContent>);
  }
}
