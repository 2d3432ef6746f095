import { migrateDatabase } from "@hangout/platform/db";
import { loadHangoutConfig } from "./config.ts";

// One-shot: creates the database if needed and applies migrations/hangout (compose's hangout-migrate).
const config = loadHangoutConfig();
await migrateDatabase(config.HANGOUT_DATABASE_URL, "hangout");
console.log("hangout: migrations applied");
