import type { Database } from "@hangout/platform/db";
import type { HangoutSchema } from "./schema.ts";

export type HangoutDatabase = Database<HangoutSchema>;
