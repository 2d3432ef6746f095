import { AppError } from "@hangout/platform/errors";
import { isUuid } from "@hangout/platform/ids";
import type { HangoutsRepository } from "../repositories/hangouts.ts";

/**
 * The one access check of the service. A caller who is not a member of a hangout gets 404 for it
 * and everything under it, exactly as if it did not exist; a member lacking the owner role for
 * an owner-only action gets 403.
 */
export function createAccess(hangouts: HangoutsRepository) {
  async function member(hangoutId: string, userId: string) {
    const found = isUuid(hangoutId) ? await hangouts.findForMember(hangoutId, userId) : undefined;
    if (!found) throw new AppError("not_found", "No such hangout");
    return found;
  }
  return {
    member,
    async owner(hangoutId: string, userId: string) {
      const found = await member(hangoutId, userId);
      if (found.membership.role !== "owner") {
        throw new AppError("forbidden", "Only the hangout's owner may do this");
      }
      return found;
    },
  };
}

export type Access = ReturnType<typeof createAccess>;
