import { defineConfig } from "drizzle-kit";

// `bun run db:generate` writes SQL migrations from the schema; they are committed and applied by
// the migrator at start (never `drizzle-kit push`, which fails on MariaDB).
export default defineConfig({
  dialect: "mysql",
  schema: "./services/notification/src/db/schema.ts",
  out: "./migrations/notification",
});
