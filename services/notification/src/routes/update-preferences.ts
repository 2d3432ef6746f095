import { authGuard } from "@hangout/platform/auth-guard";
import { Problem } from "@hangout/platform/http-schemas";
import { Elysia } from "elysia";
import type { NotificationDeps } from "../deps.ts";
import { PreferencesBody, PreferencesView } from "./preferences-view.ts";

export const updatePreferencesRoute = ({ verify, preferences }: NotificationDeps) =>
  new Elysia()
    .use(authGuard(verify))
    .put("/notifications/preferences", ({ userId, body }) => preferences.put(userId, body), {
      body: PreferencesBody,
      response: { 200: PreferencesView, 401: Problem, 422: Problem },
      detail: {
        tags: ["preferences"],
        summary: "Replace the caller's email preferences",
        description:
          "Takes all three switches (a missing one is a 422 naming it) and applies from the next email on, queued ones included.",
        security: [{ bearer: [] }],
      },
    });
