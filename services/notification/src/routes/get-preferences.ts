import { authGuard } from "@hangout/platform/auth-guard";
import { Problem } from "@hangout/platform/http-schemas";
import { Elysia } from "elysia";
import type { NotificationDeps } from "../deps.ts";
import { PreferencesView } from "./preferences-view.ts";

export const getPreferencesRoute = ({ verify, preferences }: NotificationDeps) =>
  new Elysia()
    .use(authGuard(verify))
    .get("/notifications/preferences", ({ userId }) => preferences.get(userId), {
      response: { 200: PreferencesView, 401: Problem },
      detail: {
        tags: ["preferences"],
        summary: "The caller's email preferences",
        description: "Every kind of email is on until the caller turns it off.",
        security: [{ bearer: [] }],
      },
    });
