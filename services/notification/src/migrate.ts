import { migrateDatabase } from "@hangout/platform/db";
import { loadNotificationConfig } from "./config.ts";

// One-shot: creates the database if needed and applies migrations/notification (compose's
// notification-migrate).
const config = loadNotificationConfig();
await migrateDatabase(config.NOTIFICATION_DATABASE_URL, "notification");
console.log("notification: migrations applied");
