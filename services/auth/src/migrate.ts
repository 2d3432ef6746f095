import { migrateDatabase } from "@hangout/platform/db";
import { loadAuthConfig } from "./config.ts";

// One-shot: creates the database if needed and applies migrations/auth (compose's auth-migrate).
const config = loadAuthConfig();
await migrateDatabase(config.AUTH_DATABASE_URL, "auth");
console.log("auth: migrations applied");
