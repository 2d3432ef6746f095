import type { Database } from "@hangout/platform/db";
import type { AuthSchema } from "./schema.ts";

export type AuthDatabase = Database<AuthSchema>;
