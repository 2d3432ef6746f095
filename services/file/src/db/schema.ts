import { outbox } from "@hangout/platform/outbox/table";
import { char, datetime, index, int, mysqlEnum, mysqlTable, varchar } from "drizzle-orm/mysql-core";

const timestamp = (name: string) => datetime(name, { mode: "date", fsp: 3 });

/**
 * PENDING: a presigned PUT was issued; UPLOADED: the object was checked and confirmed;
 * PROCESSING: confirmed, waiting for the media worker; READY / FAILED: the worker's report,
 * recorded once (docs/decisions/0018-photo-pipeline.md); DELETING: claimed by a delete or the
 * reaper, whose objects are being removed (a crash leaves it here and the reaper finishes the job).
 */
export const fileStatuses = [
  "PENDING",
  "UPLOADED",
  "PROCESSING",
  "READY",
  "FAILED",
  "DELETING",
] as const;
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
    /**
     * When `file.uploaded` was last appended for a PROCESSING file: at confirm, then at each
     * re-queue by the sweep, which waits a full period from here before sending it again.
     */
    queuedAt: timestamp("queued_at"),
    // The media worker's report, null until READY (dimensions, placeholder, the three variants)
    // or FAILED (failure_reason). The variants are typed columns rather than one JSON column:
    // MariaDB's JSON is unchecked LONGTEXT, and they are always read and written with the row.
    /** Upright dimensions, after the EXIF orientation. */
    width: int("width"),
    height: int("height"),
    /** A ThumbHash, base64. */
    placeholder: varchar("placeholder", { length: 64 }),
    failureReason: varchar("failure_reason", { length: 32 }),
    processedAt: timestamp("processed_at"),
    /** media/<id>/original: the photo without metadata. */
    originalWidth: int("original_width"),
    originalHeight: int("original_height"),
    originalContentType: varchar("original_content_type", { length: 32 }),
    originalSize: int("original_size"),
    /** media/<id>/preview.webp. */
    previewWidth: int("preview_width"),
    previewHeight: int("preview_height"),
    previewContentType: varchar("preview_content_type", { length: 32 }),
    previewSize: int("preview_size"),
    /** media/<id>/thumb.webp. */
    thumbnailWidth: int("thumbnail_width"),
    thumbnailHeight: int("thumbnail_height"),
    thumbnailContentType: varchar("thumbnail_content_type", { length: 32 }),
    thumbnailSize: int("thumbnail_size"),
  },
  (t) => [
    index("files_status_expires_idx").on(t.status, t.expiresAt),
    // The sweep of files stuck in PROCESSING: those queued longer ago than a limit.
    index("files_status_queued_idx").on(t.status, t.queuedAt),
  ],
);

/** Events written with the state change they describe (docs/decisions/0014-outbox-relay.md). */
export { outbox };

export const schema = { files, outbox };
export type FileSchema = typeof schema;
