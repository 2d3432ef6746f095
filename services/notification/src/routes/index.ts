import type { NotificationDeps } from "../deps.ts";
import { getPreferencesRoute } from "./get-preferences.ts";
import { unsubscribeRoute } from "./unsubscribe.ts";
import { unsubscribePageRoute } from "./unsubscribe-page.ts";
import { updatePreferencesRoute } from "./update-preferences.ts";

/** Every public route of notification, in the order the docs list them. */
export const routes = (deps: NotificationDeps) => [
  getPreferencesRoute(deps),
  updatePreferencesRoute(deps),
  unsubscribePageRoute(deps),
  unsubscribeRoute(deps),
];
