import type { MailKind } from "../db/schema.ts";
import {
  ALL_ON,
  type MailChoices,
  type PreferencesRepository,
} from "../repositories/preferences.ts";

export type { MailChoices };

/** A user's email preferences, and turning a kind off from an unsubscribe link. */
export function createPreferences(repo: PreferencesRepository, clock: () => Date) {
  return {
    /** What the user chose; every kind is on until they choose. */
    get: async (userId: string): Promise<MailChoices> => (await repo.find(userId)) ?? ALL_ON,

    /** Replaces the user's choices whole; returns them. */
    put: async (userId: string, choices: MailChoices): Promise<MailChoices> => {
      await repo.save(userId, choices, clock());
      return choices;
    },

    /**
     * No more `kind` emails to `recipient` (a delivery's recipient key). A user loses that one
     * kind; an address with no account only ever gets invitations, so it gets nothing more.
     */
    async turnOff(recipient: string, kind: MailKind): Promise<void> {
      if (recipient.startsWith("user:")) await repo.turnOff(recipient.slice(5), kind, clock());
      else if (recipient.startsWith("email:")) await repo.suppress(recipient.slice(6), clock());
      else throw new Error("unknown recipient key");
    },
  };
}

export type Preferences = ReturnType<typeof createPreferences>;
