/**
 * Who is signed in. The access token lives only in this module's memory; the refresh token is
 * the HttpOnly `refresh_token` cookie that auth sets (path /auth, SameSite=Strict), so a reload
 * signs back in with POST /auth/refresh and script never sees the long-lived secret.
 */
import { signal } from "@preact/signals";
import type { Tokens } from "./types.ts";

export interface User {
  id: string;
  email: string;
  name: string;
}

export type Session =
  | { status: "loading" }
  | { status: "anonymous" }
  | { status: "signed-in"; user: User };

export const session = signal<Session>({ status: "loading" });

let accessToken: string | undefined;
let renewTimer: ReturnType<typeof setTimeout> | undefined;
let refreshing: Promise<boolean> | undefined;

/** The bearer token for API calls, if signed in. */
export const currentToken = () => accessToken;

// Other tabs hear of a log out, so none keeps showing a session that no longer exists.
const tabs = typeof BroadcastChannel === "function" ? new BroadcastChannel("session") : undefined;
tabs?.addEventListener("message", (event) => {
  if (event.data === "logged-out") forget();
});

function forget() {
  accessToken = undefined;
  clearTimeout(renewTimer);
  session.value = { status: "anonymous" };
}

/** Keeps a fresh grant: the token in memory, renewed a little before it expires. */
export function signedIn(tokens: Tokens) {
  accessToken = tokens.accessToken;
  clearTimeout(renewTimer);
  const renewInMs = Math.max(5, tokens.expiresIn - 30) * 1000;
  renewTimer = setTimeout(() => void refresh(), renewInMs);
  session.value = { status: "signed-in", user: tokens.user };
}

async function postRefresh(): Promise<boolean> {
  const response = await fetch("/auth/refresh", { method: "POST", credentials: "same-origin" });
  if (!response.ok) {
    if (response.status === 401) forget();
    else if (session.value.status === "loading") session.value = { status: "anonymous" };
    return false;
  }
  signedIn((await response.json()) as Tokens);
  return true;
}

/**
 * Exchanges the cookie for a new access token. One at a time, across tabs too: the refresh
 * token rotates on every use and auth revokes a login whose used token comes back, so two tabs
 * refreshing at once must not both present the same cookie.
 */
export function refresh(): Promise<boolean> {
  if (refreshing) return refreshing;
  const serialized = navigator.locks
    ? (navigator.locks.request("hangout-refresh", postRefresh) as unknown as Promise<boolean>)
    : postRefresh();
  const pending = serialized
    .catch(() => {
      if (session.value.status === "loading") session.value = { status: "anonymous" };
      return false;
    })
    .finally(() => {
      refreshing = undefined;
    });
  refreshing = pending;
  return pending;
}
/**
 * Ends the login on the server (auth revokes it and clears the cookie; it asks for the access
 * token, refreshed once if it expired meanwhile) and here, in every tab.
 */
export async function logout() {
  const revoke = () =>
    fetch("/auth/logout", {
      method: "POST",
      credentials: "same-origin",
      headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {},
    });
  try {
    const response = await revoke();
    if (response.status === 401 && (await refresh())) await revoke();
  } catch {
    // Offline: the session still ends here; the cookie lapses on its own.
  }
  forget();
  tabs?.postMessage("logged-out");
}
