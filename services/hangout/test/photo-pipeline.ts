/**
 * Standing in for the media worker in hangout's tests (docs/decisions/0018-photo-pipeline.md);
 * the real worker joins the harness next. For a ready photo it does the worker's part against
 * the real file service (the variants under their fixed keys, then CompleteProcessing as
 * `media` over mTLS); file's relay then publishes `file.processed` to the stack's exchange,
 * and hangout handles it. Stacks started with `media: true` run the real worker instead.
 */
import { createEvent } from "@hangout/events/create";
import type { DataOf } from "@hangout/events/registry";
import type { CertificateManager } from "@hangout/platform/certificates/certificate-manager";
import { createGrpcClient, createMtlsChannel } from "@hangout/platform/grpc/client";
import { publish, until } from "@hangout/platform/inbox/inbox.fixture";
import type { FilePeer } from "@hangout/platform/testing/stack";
import type { TestCa } from "@hangout/platform/testing/step-ca";
import { FileServiceDefinition } from "@hangout/proto/file/v1/file";
import type mysql from "mysql2/promise";
import type { HangoutConfig } from "../src/config.ts";

export type FileProcessed = DataOf<"dev.hangout-planner.file.processed.v1">;
/** The outcome of a photo, as file announces it (the rest comes from its memory). */
export type PhotoOutcome = Omit<FileProcessed, "fileId" | "ownerRef">;

/** What a ready photo of the test images looks like. */
export const READY = {
  status: "ready",
  failureReason: null,
  width: 640,
  height: 480,
  placeholder: "1QcSHQRnh493V4dIh4eXh1h4kJUI",
  preview: { width: 640, height: 480, contentType: "image/webp" },
  thumbnail: { width: 400, height: 300, contentType: "image/webp" },
} as const satisfies PhotoOutcome;

/** A failed photo's outcome. */
export const failed = (failureReason: NonNullable<FileProcessed["failureReason"]>) =>
  ({
    status: "failed",
    failureReason,
    width: null,
    height: null,
    placeholder: null,
    preview: null,
    thumbnail: null,
  }) satisfies PhotoOutcome;

interface PipelineContext {
  db: mysql.Pool;
  hangoutUrl: string;
  config: HangoutConfig;
  ca: TestCa;
  file: FilePeer;
}

export function photoPipeline({ db, hangoutUrl, config, ca, file }: PipelineContext) {
  const store = new Bun.S3Client({
    endpoint: file.s3.endpoint,
    bucket: file.s3.env.S3_BUCKET,
    region: file.s3.env.S3_REGION,
    accessKeyId: file.s3.env.S3_ACCESS_KEY_ID,
    secretAccessKey: file.s3.env.S3_SECRET_ACCESS_KEY,
  });
  let media: { certificates: CertificateManager; close(): void } | undefined;
  let client: ReturnType<typeof createGrpcClient<typeof FileServiceDefinition>> | undefined;

  /** file's client as the media worker: the only caller allowed to report on a photo. */
  async function asMedia() {
    if (client) return client;
    const certificates = await ca.managerFor("media");
    await certificates.start();
    const channel = createMtlsChannel(file.grpcTarget, "file", certificates);
    media = { certificates, close: () => channel.close() };
    client = createGrpcClient(FileServiceDefinition, channel);
    return client;
  }

  let consumerBound = false;
  /** The consumer's queue is bound: nothing published from now on is lost. */
  async function consumerReady() {
    if (consumerBound) return;
    await until(
      async () => {
        const response = await fetch(`${hangoutUrl}/readyz`);
        const body = (await response.json()) as { checks: Record<string, string> };
        return body.checks[`consumer ${config.HANGOUT_EVENTS_QUEUE}`] === "ok";
      },
      15_000,
      "hangout's events consumer",
    );
    consumerBound = true;
  }

  const handled = async (ids: string[]) => {
    const [rows] = await db.query("SELECT COUNT(*) AS n FROM inbox WHERE event_id IN (?)", [ids]);
    return Number((rows as { n: number }[])[0]?.n) === ids.length;
  };

  const photoOf = async (memoryId: string) => {
    const [rows] = await db.query("SELECT file_id, content_type FROM memories WHERE id = ?", [
      memoryId,
    ]);
    const row = (rows as { file_id: string; content_type: string }[])[0];
    if (!row) throw new Error(`no memory ${memoryId} to process`);
    return { fileId: row.file_id, contentType: row.content_type };
  };

  /** The worker's part in file: the upload copied as the metadata-free original (the test
   * images carry no metadata), the two variants, then the report. */
  async function completeInFile({ fileId, contentType }: { fileId: string; contentType: string }) {
    const upload = await store.file(`incoming/${fileId}`).bytes();
    await store.write(`media/${fileId}/original`, upload);
    await store.write(`media/${fileId}/preview.webp`, upload);
    await store.write(`media/${fileId}/thumb.webp`, upload);
    const variant = (v: { width: number; height: number; contentType: string }) => ({
      ...v,
      size: upload.length,
    });
    await (await asMedia()).completeProcessing({
      fileId,
      ready: {
        width: READY.width,
        height: READY.height,
        placeholder: READY.placeholder,
        original: variant({ width: READY.width, height: READY.height, contentType }),
        preview: variant(READY.preview),
        thumbnail: variant(READY.thumbnail),
      },
    });
  }

  /**
   * Publishes `file.processed` with `outcome` for each memory's file (given, for a memory whose
   * row is gone; `id` repeats an earlier event, for one memory) and, unless `wait` is false, waits until hangout handled them.
   * Only hangout hears of it: file's state is left as it is. Returns the events' ids.
   */
  async function publishOutcome(
    photos: (string | { memoryId: string; fileId: string })[],
    outcome: PhotoOutcome,
    { id, wait = true }: { id?: string; wait?: boolean } = {},
  ) {
    await consumerReady();
    const events = await Promise.all(
      photos.map(async (photo) => {
        const { memoryId, fileId } =
          typeof photo === "string"
            ? { memoryId: photo, fileId: (await photoOf(photo)).fileId }
            : photo;
        return createEvent(
          "dev.hangout-planner.file.processed.v1",
          { ...outcome, fileId, ownerRef: `memory:${memoryId}` },
          id ? { id } : {},
        );
      }),
    );
    await publish(config.EVENTS_EXCHANGE, events);
    const ids = events.map((event) => event.id);
    if (wait) await until(() => handled(ids), 15_000, "file.processed to be handled");
    return ids;
  }

  return {
    publishOutcome,
    /** The whole pipeline for these confirmed memories: file and hangout both say ready. */
    async markPhotoReady(memoryIds: string | string[]) {
      const ids = [memoryIds].flat();
      await consumerReady();
      for (const memoryId of ids) await completeInFile(await photoOf(memoryId));
      await until(
        async () => {
          const [rows] = await db.query(
            "SELECT COUNT(*) AS n FROM memories WHERE id IN (?) AND photo_status = 'ready'",
            [ids],
          );
          return Number((rows as { n: number }[])[0]?.n) === ids.length;
        },
        15_000,
        "file.processed (ready) to reach hangout",
      );
    },
    close() {
      media?.close();
      void media?.certificates.stop();
    },
  };
}
