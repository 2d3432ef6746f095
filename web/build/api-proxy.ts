/**
 * Where the dev and preview servers send the API: each path prefix the services answer to its
 * service, so the page and the API share one origin, as behind the edge. Targets come from
 * WEB_AUTH_URL, WEB_HANGOUT_URL and WEB_NOTIFICATION_URL, defaulting to the embedded default's
 * ports; anything else is the app.
 */
import type { ProxyOptions } from "vite";

type Env = Record<string, string | undefined>;

export function apiProxy(env: Env): Record<string, ProxyOptions> {
  const auth = env.WEB_AUTH_URL || "http://127.0.0.1:3001";
  const hangout = env.WEB_HANGOUT_URL || "http://127.0.0.1:3002";
  const notification = env.WEB_NOTIFICATION_URL || "http://127.0.0.1:3004";
  // Keys starting with ^ are regular expressions: /hangouts and /hangouts/…, never /hangoutsx.
  return {
    "^/auth/": { target: auth },
    "^/\\.well-known/": { target: auth },
    "^/hangouts(/|\\?|$)": { target: hangout },
    "^/memories/": { target: hangout },
    "^/me/events(\\?|$)": { target: hangout },
    "^/notifications(/|\\?|$)": { target: notification },
  };
}
