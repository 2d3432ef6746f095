import { migrateDatabase } from "@hangout/platform/db";
import { loadFileConfig } from "./config.ts";

// One-shot: creates the database if needed and applies migrations/file (compose's file-migrate).
const config = loadFileConfig();
await migrateDatabase(config.FILE_DATABASE_URL, "file");
console.log("file: migrations applied");
