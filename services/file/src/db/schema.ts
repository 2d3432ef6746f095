import { char, datetime, index, int, mysqlEnum, mysqlTable, varchar } from "drizzle-orm/mysql-core";

const timestamp = (name: string) => datetime(name, { mode: "date", fsp: 3 });

/**
 * PENDING: a presigned PUT was issued; UPLOADED: the object was checked and confirmed;
 * DELETING: claimed by a delete or the reaper, whose object is being removed (a crash leaves it
 * here and the reaper finishes the job).
 */
export const fileStatuses = ["PENDING", "UPLOADED", "DELETING"] as const;
export type FileStatus = (typeof fileStatuses)[number];

export const files = mysqlTable(
  "files",
  {
    id: char("id", { length: 36 }).primaryKey(),
    /** Derived from the id only: no user-supplied path segment ever reaches the bucket. */
    objectKey: varchar("object_key", { length: 64 }).notNull(),
    ownerRef: varchar("owner_ref", { length: 200 }).notNull(),
    filename: varchar("filename", { length: 255 }).notNull(),
    contentType: varchar("content_type", { length: 32 }).notNull(),
    size: int("size").notNull(),
    /** base64 SHA-256, as S3's x-amz-checksum-sha256. */
    sha256: char("sha256", { length: 44 }).notNull(),
    status: mysqlEnum("status", fileStatuses).notNull(),
    /** When the presigned PUT stops working. */
    expiresAt: timestamp("expires_at").notNull(),
    createdAt: timestamp("created_at").notNull(),
    uploadedAt: timestamp("uploaded_at"),
    /** When a delete or the reaper claimed the row (DELETING). */
    claimedAt: timestamp("claimed_at"),
  },
  (t) => [index("files_status_expires_idx").on(t.status, t.expiresAt)],
);

export const schema = { files };
export type FileSchema = typeof schema;
