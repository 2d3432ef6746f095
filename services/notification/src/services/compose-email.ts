import type { NotificationConfig } from "../config.ts";
import type { Delivery } from "../repositories/deliveries.ts";
import type { OutgoingMail } from "../repositories/smtp.ts";
import type { DirectoryUser } from "../repositories/users.ts";
import { renderEmail } from "../templates/index.ts";
import { webLinks } from "../templates/web-links.ts";
import type { DeliveryContent } from "./delivery-content.ts";
import type { Unsubscribe } from "./unsubscribe.ts";

/** Why an email is not sent after all; the reason goes to the sent log. */
export interface Skip {
  skip: string;
}

/** The user ids a delivery's email names besides its recipient: who invited or changed it. */
export function actorOf(delivery: Delivery): string | undefined {
  const content = delivery.content as { invitedBy?: unknown; actorId?: unknown };
  const id = delivery.kind === "invitation" ? content.invitedBy : content.actorId;
  return typeof id === "string" ? id : undefined;
}

/** What a template reads of the content, checked: the row is JSON written by an older version. */
function readable(
  content: Record<string, unknown>,
): content is DeliveryContent & Record<string, unknown> {
  return (
    typeof content.title === "string" &&
    typeof content.startsAt === "string" &&
    !Number.isNaN(Date.parse(content.startsAt)) &&
    (content.endsAt === null ||
      typeof content.endsAt === "string" ||
      content.endsAt === undefined) &&
    (content.locationName === null ||
      typeof content.locationName === "string" ||
      content.locationName === undefined)
  );
}

/**
 * Turns a claimed delivery into the email to send: its recipient as auth knows them now, its
 * links (the hangout, or sign-up for an address with no account; unsubscribe; preferences) and
 * the RFC 8058 one-click unsubscribe headers.
 */
export function createEmailComposer(config: NotificationConfig, unsubscribe: Unsubscribe) {
  const web = config.WEB_APP_URL;
  return (delivery: Delivery, people: Map<string, DirectoryUser>): OutgoingMail | Skip => {
    let to: OutgoingMail["to"];
    let user: DirectoryUser | undefined;
    if (delivery.userId) {
      user = people.get(delivery.userId);
      if (!user) return { skip: "recipient no longer has an account" };
      to = { name: user.name, address: user.email };
    } else if (delivery.email) {
      to = delivery.email;
    } else {
      return { skip: "no recipient" };
    }
    if (!readable(delivery.content)) return { skip: "content not readable" };
    const content = delivery.content;

    const invitationId = (content as { invitationId?: unknown }).invitationId;
    const action =
      !user && typeof invitationId === "string"
        ? webLinks.signUp(web, {
            email: delivery.email ?? "",
            invitationId,
            hangoutId: delivery.hangoutId,
          })
        : webLinks.hangout(web, delivery.hangoutId);
    const unsubscribeLink = unsubscribe.link({
      recipient: delivery.recipient,
      kind: delivery.kind,
    });
    const actorId = actorOf(delivery);
    const rendered = renderEmail({
      kind: delivery.kind,
      content: {
        ...content,
        endsAt: content.endsAt ?? null,
        locationName: content.locationName ?? null,
      },
      recipient: user ? { user: true, name: user.name } : { user: false },
      actorName: actorId ? people.get(actorId)?.name : undefined,
      links: {
        action,
        unsubscribe: unsubscribeLink,
        ...(user ? { preferences: unsubscribe.preferencesPage } : {}),
      },
    });
    return {
      to,
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
      headers: {
        "List-Unsubscribe": `<${unsubscribeLink}>`,
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
      },
    };
  };
}

export type EmailComposer = ReturnType<typeof createEmailComposer>;
