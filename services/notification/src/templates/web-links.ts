/**
 * The web app's pages that emails link to. They must match the app's routes (web/src/app.tsx);
 * e2e/web-email.test.ts follows an invitation email's link in a browser to prove it.
 */
/** A configured base URL written with or without its trailing slash, without it. */
export const withoutTrailingSlash = (url: string) => url.replace(/\/+$/, "");

export const webLinks = {
  /** A hangout's page: where an existing member goes from any email about it. */
  hangout: (web: string, hangoutId: string) =>
    `${withoutTrailingSlash(web)}/hangout/${encodeURIComponent(hangoutId)}`,

  /**
   * Sign-up for an invited address with no account; the app lands in the hangout afterwards,
   * once the invitation is taken up.
   */
  signUp: (web: string, link: { email: string; invitationId: string; hangoutId: string }) =>
    `${withoutTrailingSlash(web)}/signup?${new URLSearchParams({
      email: link.email,
      invitation: link.invitationId,
      hangout: link.hangoutId,
    })}`,

  /** Where a signed-in user chooses which emails they get. */
  preferences: (web: string) => `${withoutTrailingSlash(web)}/settings/notifications`,
};
