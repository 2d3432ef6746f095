/**
 * Names for the shapes the pages use, read off the generated types (never written by hand: they
 * come from the services' OpenAPI documents through `bun run web:generate`).
 */
import type { paths as AuthPaths } from "./generated/auth.ts";
import type { paths as HangoutPaths } from "./generated/hangout.ts";
import type { paths as NotificationPaths } from "./generated/notification.ts";

type Json<T> = T extends { content: { "application/json": infer Body } } ? Body : never;

export type Tokens = Json<AuthPaths["/auth/login"]["post"]["responses"][200]>;
export type Me = Json<AuthPaths["/auth/me"]["get"]["responses"][200]>;

export type Hangout = Json<HangoutPaths["/hangouts/{id}"]["get"]["responses"][200]>;
export type HangoutList = Json<HangoutPaths["/hangouts"]["get"]["responses"][200]>;
export type HangoutSummary = HangoutList["items"][number];
export type HangoutStatus = Hangout["status"];
export type Rsvp = Hangout["myRsvp"];
export type NewHangout = NonNullable<
  HangoutPaths["/hangouts"]["post"]["requestBody"]
>["content"]["application/json"];
export type HangoutChanges = NonNullable<
  HangoutPaths["/hangouts/{id}"]["patch"]["requestBody"]
>["content"]["application/json"];
export type Member = Json<
  HangoutPaths["/hangouts/{id}/members"]["get"]["responses"][200]
>["items"][number];
export type Invitation = Json<
  HangoutPaths["/hangouts/{id}/invitations"]["get"]["responses"][200]
>["items"][number];
export type Activity = Json<
  HangoutPaths["/hangouts/{id}/activities"]["get"]["responses"][200]
>["items"][number];
export type Memory = Json<
  HangoutPaths["/hangouts/{id}/memories"]["get"]["responses"][200]
>["items"][number];
export type UploadSlots = Json<
  HangoutPaths["/hangouts/{id}/memories/uploads"]["post"]["responses"][201]
>;

export type Preferences = Json<
  NotificationPaths["/notifications/preferences"]["get"]["responses"][200]
>;
