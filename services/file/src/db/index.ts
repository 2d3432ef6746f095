import type { Database } from "@hangout/platform/db";
import type { FileSchema } from "./schema.ts";

export type FileDatabase = Database<FileSchema>;
