import type { Database } from "@hangout/platform/db";
import type { NotificationSchema } from "./schema.ts";

export type NotificationDatabase = Database<NotificationSchema>;
