import { AppError } from "@hangout/platform/errors";
import type { NotificationConfig } from "../config.ts";
import { webLinks, withoutTrailingSlash } from "../templates/web-links.ts";
import type { Preferences } from "./preferences.ts";
import type { UnsubscribeClaim, UnsubscribeTokens } from "./unsubscribe-tokens.ts";

/** The unsubscribe link of every email, and what following it does. */
export function createUnsubscribe(deps: {
  config: NotificationConfig;
  tokens: UnsubscribeTokens;
  preferences: Preferences;
}) {
  const { tokens, preferences } = deps;
  const base = `${withoutTrailingSlash(deps.config.NOTIFICATION_PUBLIC_URL)}/notifications/unsubscribe`;

  /** The 400 of a token this service did not sign. */
  const invalid = () =>
    new AppError(
      "bad_request",
      "This unsubscribe link is not valid: it may have been cut short. Nothing was changed.",
    );

  /** The claim of a link's token; a 400 for a token this service did not sign. */
  const read = (token: string | undefined): UnsubscribeClaim => {
    const claim = token ? tokens.verify(token) : undefined;
    if (!claim) throw invalid();
    return claim;
  };

  return {
    /** The link in an email to `recipient` (a delivery's recipient key) about `kind`. */
    link: (claim: UnsubscribeClaim) => `${base}?token=${tokens.sign(claim)}`,
    /** The web app's page where a signed-in user chooses which emails they get. */
    preferencesPage: webLinks.preferences(deps.config.WEB_APP_URL),
    read,
    invalid,
    /** The claim of a link's token, or undefined for one this service did not sign. */
    check: (token: string) => tokens.verify(token),
    /** Turns off what the link's token names; doing it again changes nothing more. */
    async apply(token: string | undefined): Promise<UnsubscribeClaim> {
      const claim = read(token);
      await preferences.turnOff(claim.recipient, claim.kind);
      return claim;
    },
  };
}

export type Unsubscribe = ReturnType<typeof createUnsubscribe>;
