import { runTransaction } from "@hangout/platform/db";
import { type HotSql, hotRun } from "@hangout/platform/hot-sql";
import { appendEvents, type OutboxEvent } from "@hangout/platform/outbox/append";
import { dbSpan } from "@hangout/platform/telemetry";
import { and, asc, eq, inArray, isNull, lt, lte, or, sql } from "drizzle-orm";
import type { FileDatabase } from "../db/index.ts";
import { files } from "../db/schema.ts";

export type FileRow = typeof files.$inferSelect;
type FileInsert = typeof files.$inferInsert;

/** The media worker's report: null until the file leaves PROCESSING. */
type OutcomeColumn =
  | "width"
  | "height"
  | "placeholder"
  | "failureReason"
  | "processedAt"
  | `${"original" | "preview" | "thumbnail"}${"Width" | "Height" | "ContentType" | "Size"}`;

/** What an upload intent records; the outcome columns and `queued_at` (set at confirm) start NULL. */
export type NewFileRow = Omit<FileInsert, OutcomeColumn | "queuedAt">;

/** What the media worker reported: READY with its values or FAILED with a reason. */
export type ProcessingOutcome =
  | ({ status: "READY" } & Pick<
      FileInsert,
      Exclude<OutcomeColumn, "failureReason" | "processedAt">
    >)
  | { status: "FAILED"; failureReason: string };

export type CompletionResult =
  | { outcome: "recorded"; row: FileRow }
  | { outcome: "already"; row: FileRow }
  | { outcome: "not_found" }
  | { outcome: "not_processing"; row: FileRow };

const affected = (result: unknown) => (result as [{ affectedRows: number }])[0]?.affectedRows ?? 0;

// The intents of one CreateUploads call are one multi-row INSERT, a hot statement on Bun's client
// (one per batch size): docs/decisions/0002-hot-queries.md, 0021-hot-statements-on-bun-sql.md.
// files.test.ts checks it stores what Drizzle's insert would.
const INSERT_FILES = `INSERT INTO files
  (id, object_key, owner_ref, filename, content_type, size, sha256, status, expires_at,
   created_at, uploaded_at, claimed_at)
  VALUES`;
const FILE_PLACEHOLDERS = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

const fileValues = (row: NewFileRow) => [
  row.id,
  row.objectKey,
  row.ownerRef,
  row.filename,
  row.contentType,
  row.size,
  row.sha256,
  row.status,
  row.expiresAt,
  row.createdAt,
  row.uploadedAt ?? null,
  row.claimedAt ?? null,
];

/**
 * The `files` table. Every state change is a conditional UPDATE on the expected status, so
 * concurrent confirms, deletes and reapers (on any number of instances) cannot overtake each
 * other: exactly one of them wins each row.
 */
export function createFilesRepository(db: FileDatabase, hot: HotSql) {
  return {
    /** One statement: all intents of a call are recorded, or none. */
    insertMany: (rows: NewFileRow[]) =>
      dbSpan("INSERT", "files", async () => {
        if (!rows.length) return;
        const placeholders = rows.map(() => FILE_PLACEHOLDERS).join(", ");
        await hotRun(hot, `${INSERT_FILES} ${placeholders}`, rows.flatMap(fileValues));
      }),

    findByIds: (ids: string[]) =>
      dbSpan("SELECT", "files", () => db.select().from(files).where(inArray(files.id, ids))),

    /**
     * PENDING → UPLOADED, the confirm of a row created before the quarantine (its key is still
     * `files/<id>`, where the media worker does not look); false when the row is no longer PENDING.
     */
    markUploaded: (id: string, at: Date) =>
      dbSpan(
        "UPDATE",
        "files",
        async () =>
          affected(
            await db
              .update(files)
              .set({ status: "UPLOADED", uploadedAt: at })
              .where(and(eq(files.id, id), eq(files.status, "PENDING"))),
          ) === 1,
      ),

    /**
     * PENDING → PROCESSING and its `file.uploaded` event, in one transaction whose UPDATE locks the
     * row; false (and nothing appended) when the row is no longer PENDING.
     */
    markProcessing: (id: string, at: Date, event: OutboxEvent) =>
      runTransaction(db, async (tx) => {
        const changed = await dbSpan("UPDATE", "files", async () =>
          affected(
            await tx
              .update(files)
              .set({ status: "PROCESSING", uploadedAt: at, queuedAt: at })
              .where(and(eq(files.id, id), eq(files.status, "PENDING"))),
          ),
        );
        if (changed !== 1) return false;
        await appendEvents(tx, [event]);
        return true;
      }),

    /**
     * The sweep: up to `limit` PROCESSING rows queued before `cutoff` get `queued_at = at` and
     * their event again, in one transaction. A row is due once at least half its time in
     * PROCESSING has passed since it was last queued, so the waits double (a period, then two,
     * four, …): a job that keeps failing is not sent every period until the sweep gives up on
     * it. SKIP LOCKED: a row another sweep is re-queueing is left to it; READ COMMITTED takes no
     * gap locks, so confirms are not held up meanwhile.
     */
    requeueStuck: (
      cutoff: Date,
      at: Date,
      limit: number,
      eventFor: (row: FileRow) => OutboxEvent,
    ): Promise<FileRow[]> =>
      runTransaction(
        db,
        async (tx) => {
          const stuck = await dbSpan("SELECT", "files", () =>
            tx
              .select()
              .from(files)
              .where(
                and(
                  eq(files.status, "PROCESSING"),
                  or(
                    isNull(files.queuedAt),
                    and(
                      lt(files.queuedAt, cutoff),
                      sql`2 * timestampdiff(microsecond, ${files.uploadedAt}, ${files.queuedAt})
                        <= timestampdiff(microsecond, ${files.uploadedAt}, ${sql.param(at, files.queuedAt)})`,
                    ),
                  ),
                ),
              )
              .orderBy(asc(files.queuedAt))
              .limit(limit)
              .for("update", { skipLocked: true }),
          );
          if (!stuck.length) return [];
          const ids = stuck.map((row) => row.id);
          await dbSpan("UPDATE", "files", () =>
            tx.update(files).set({ queuedAt: at }).where(inArray(files.id, ids)),
          );
          await appendEvents(tx, stuck.map(eventFor));
          return stuck;
        },
        { isolationLevel: "read committed" },
      ),

    /** Up to `limit` files PROCESSING since a confirm before `cutoff`, the oldest first. */
    processingSince: async (cutoff: Date, limit: number): Promise<string[]> => {
      const rows = await dbSpan("SELECT", "files", () =>
        db
          .select({ id: files.id })
          .from(files)
          .where(and(eq(files.status, "PROCESSING"), lt(files.uploadedAt, cutoff)))
          .orderBy(asc(files.uploadedAt))
          .limit(limit),
      );
      return rows.map((row) => row.id);
    },

    /** Claims rows for deletion (any state but DELETING → DELETING) and returns every claimed row. */
    claimForDeletion: (ids: string[], at: Date) =>
      dbSpan("UPDATE", "files", async () => {
        await db
          .update(files)
          .set({ status: "DELETING", claimedAt: at })
          .where(
            and(
              inArray(files.id, ids),
              inArray(files.status, ["PENDING", "UPLOADED", "PROCESSING", "READY", "FAILED"]),
            ),
          );
        return db
          .select()
          .from(files)
          .where(and(inArray(files.id, ids), eq(files.status, "DELETING")));
      }),

    /**
     * The reaper's claim: up to `limit` PENDING rows whose upload URL expired before `cutoff`
     * become DELETING. Returns every DELETING row claimed at or before `at` (also those a crashed
     * delete or another reaper left), to finish them.
     */
    claimAbandoned: (cutoff: Date, at: Date, limit: number) =>
      dbSpan("UPDATE", "files", async () => {
        await db
          .update(files)
          .set({ status: "DELETING", claimedAt: at })
          .where(and(eq(files.status, "PENDING"), lt(files.expiresAt, cutoff)))
          .orderBy(asc(files.expiresAt))
          .limit(limit);
        return db
          .select()
          .from(files)
          .where(and(eq(files.status, "DELETING"), lte(files.claimedAt, at)))
          .limit(limit);
      }),

    /**
     * Records the media worker's report on a PROCESSING file and appends the event built from the
     * locked row, in one transaction; a file that already left PROCESSING is returned unchanged.
     */
    completeProcessing: (
      id: string,
      outcome: ProcessingOutcome,
      at: Date,
      eventFor: (row: FileRow) => OutboxEvent,
    ): Promise<CompletionResult> =>
      runTransaction(db, async (tx) => {
        const [row] = await dbSpan("SELECT", "files", () =>
          tx.select().from(files).where(eq(files.id, id)).for("update"),
        );
        if (!row || row.status === "DELETING") return { outcome: "not_found" };
        if (row.status === "READY" || row.status === "FAILED") return { outcome: "already", row };
        if (row.status !== "PROCESSING") return { outcome: "not_processing", row };
        const changes = { ...outcome, processedAt: at };
        await dbSpan("UPDATE", "files", () =>
          tx.update(files).set(changes).where(eq(files.id, id)),
        );
        const recorded = { ...row, ...changes };
        await appendEvents(tx, [eventFor(recorded)]);
        return { outcome: "recorded", row: recorded };
      }),

    /** Removes a claimed row once its object is gone. */
    removeClaimed: (id: string) =>
      dbSpan(
        "DELETE",
        "files",
        async () =>
          affected(
            await db.delete(files).where(and(eq(files.id, id), eq(files.status, "DELETING"))),
          ) === 1,
      ),
  };
}

export type FilesRepository = ReturnType<typeof createFilesRepository>;
