import type { Cookie } from "elysia";

/** The refresh token cookie: browser-only (HttpOnly), sent only to /auth, never cross-site. */
export const REFRESH_COOKIE = "refresh_token";

export function setRefreshCookie(cookie: Cookie<unknown>, token: string, maxAgeSeconds: number) {
  cookie.set({
    value: token,
    httpOnly: true,
    secure: true,
    sameSite: "strict",
    path: "/auth",
    maxAge: maxAgeSeconds,
  });
}

export function clearRefreshCookie(cookie: Cookie<unknown>) {
  cookie.set({
    value: "",
    httpOnly: true,
    secure: true,
    sameSite: "strict",
    path: "/auth",
    maxAge: 0,
  });
}
