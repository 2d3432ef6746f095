import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createDatabase } from "@hangout/platform/db";
import type { Counter } from "@hangout/platform/metrics";
import { testImage, testImageFile } from "@hangout/platform/testing/images";
import { startTestCa, type TestCa } from "@hangout/platform/testing/step-ca";
import type { FileServiceClient } from "@hangout/proto/file/v1/file";
import { schema } from "../src/db/schema.ts";
import { createFilesRepository, type NewFileRow } from "../src/repositories/files.ts";
import { incomingKey } from "../src/services/object-keys.ts";
import { type FileHarness, startFileService } from "./harness.ts";
import {
  confirmedJpeg,
  finishReady,
  isStored,
  mediaClient,
  outboxOf,
  PROCESSED,
  UPLOADED,
  writeObject,
} from "./pipeline.ts";

// Confirmed uploads wait in the quarantine for the media worker; a lost job is sent again
// (docs/decisions/0018-photo-pipeline.md).

const STUCK = 600;
const GIVE_UP = 6 * STUCK;

let ca: TestCa;
let file: FileHarness;
let media: FileServiceClient;
let repo: ReturnType<typeof createFilesRepository>;

beforeAll(async () => {
  ca = await startTestCa();
  file = await startFileService(ca, {
    FILE_PROCESSING_STUCK_SECONDS: String(STUCK),
    FILE_PROCESSING_GIVE_UP_SECONDS: String(GIVE_UP),
  });
  media = await mediaClient(file);
  repo = createFilesRepository(createDatabase(file.service.pool, schema), file.service.hot);
});
afterAll(async () => {
  await file.close();
  await ca.stop();
});

const jobsOf = async (fileId: string) =>
  (await outboxOf(file, fileId)).filter((e) => e.type === UPLOADED);
const sweepBoth = () => file.service.deps.requeue.sweep();
const sweep = async () => (await sweepBoth()).requeued;
const counted = async (name: string) => {
  const metric = file.service.platform.metrics.registry.getSingleMetric(name) as Counter;
  return (await metric.get()).values[0]?.value ?? 0;
};
const requeuedTotal = () => counted("file_processing_requeued_total");
/** Runs `work` with the service's clock `seconds` ahead, then puts it back. */
async function later<T>(seconds: number, work: () => Promise<T>): Promise<T> {
  file.advance(seconds);
  try {
    return await work();
  } finally {
    file.advance(-seconds);
  }
}

describe("confirm", () => {
  test("marks the file PROCESSING and appends one file.uploaded with the upload's facts", async () => {
    const { fileId } = await confirmedJpeg(file, "memory:q1");
    const [row] = await repo.findByIds([fileId]);
    expect(row?.status).toBe("PROCESSING");
    expect(row?.queuedAt).toEqual(row?.uploadedAt as Date);

    const jobs = await jobsOf(fileId);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.event).toMatchObject({ source: "/file", subject: fileId });
    expect(jobs[0]?.event.data).toEqual({
      fileId,
      contentType: "image/jpeg",
      size: (await testImage("jpg")).length,
      ownerRef: "memory:q1",
    });
    const deadline = Date.now() + 10_000;
    while (!(await jobsOf(fileId))[0]?.publishedAt && Date.now() < deadline) await Bun.sleep(50);
    expect((await jobsOf(fileId))[0]?.publishedAt).toBeInstanceOf(Date);
  });

  test("again, while processing, ready or failed, answers confirmed and appends nothing", async () => {
    const first = await confirmedJpeg(file, "memory:q2");
    const failed = await confirmedJpeg(file, "memory:q2");
    const fileIds = [first.fileId, failed.fileId];
    const info = (await file.client.confirmUploads({ fileIds })).results;
    expect(info.map((r) => r.confirmed?.ownerRef)).toEqual(["memory:q2", "memory:q2"]);

    await finishReady(file, media, first.fileId);
    await media.completeProcessing({ fileId: failed.fileId, failureReason: "infected" });
    const again = (await file.client.confirmUploads({ fileIds })).results;
    expect(again).toEqual(info);
    for (const fileId of fileIds) expect(await jobsOf(fileId)).toHaveLength(1);
    expect((await repo.findByIds(fileIds)).map((r) => r.status).sort()).toEqual([
      "FAILED",
      "READY",
    ]);
  });
});

describe("rows from before the quarantine", () => {
  /** A row as CreateUploads recorded it when uploads went to files/<id>, its object stored. */
  async function legacyRow(status: "PENDING" | "UPLOADED") {
    const id = Bun.randomUUIDv7();
    const jpg = await testImage("jpg");
    const intent = await testImageFile("jpg", { filename: "old.jpg", ownerRef: "memory:old" });
    const now = new Date();
    const row: NewFileRow = {
      ...intent,
      id,
      objectKey: `files/${id}`,
      status,
      expiresAt: new Date(now.getTime() + 900_000),
      createdAt: now,
      uploadedAt: status === "UPLOADED" ? now : null,
    };
    await repo.insertMany([row]);
    await writeObject(file, row.objectKey, jpg, "image/jpeg");
    return { id, jpg };
  }

  const downloads = async (id: string) =>
    (await file.client.getDownloadUrls({ fileIds: [id] })).urls;

  test("an UPLOADED row is still served from its own key, without variants", async () => {
    const { id, jpg } = await legacyRow("UPLOADED");
    const [download] = await downloads(id);
    expect(new URL(download?.url as string).pathname).toEndWith(`/files/${id}`);
    expect(new Uint8Array(await (await fetch(download?.url as string)).arrayBuffer())).toEqual(jpg);
    expect(download?.preview).toBeUndefined();
  });

  test("a PENDING row whose upload went to files/<id> is confirmed UPLOADED, as then", async () => {
    const { id } = await legacyRow("PENDING");
    const { results } = await file.client.confirmUploads({ fileIds: [id] });
    expect(results[0]?.confirmed?.fileId).toBe(id);
    expect((await repo.findByIds([id]))[0]?.status).toBe("UPLOADED");
    expect(await outboxOf(file, id)).toEqual([]);
    expect(await downloads(id)).toHaveLength(1);
  });
});

describe("the sweep of files stuck in processing", () => {
  test("re-queues a stuck file once per period, not a fresh or finished one", async () => {
    const stuck = await confirmedJpeg(file);
    const finished = await confirmedJpeg(file);
    await finishReady(file, media, finished.fileId);
    const before = await requeuedTotal();

    const fresh = await later(STUCK + 1, async () => {
      const { fileId } = await confirmedJpeg(file);
      const requeued = await sweep();
      expect(requeued).toContain(stuck.fileId);
      expect(requeued).not.toContain(fileId);
      expect(requeued).not.toContain(finished.fileId);
      expect(await requeuedTotal()).toBe(before + requeued.length);
      // Queued just now: the next round leaves it alone.
      expect(await sweep()).not.toContain(stuck.fileId);
      return fileId;
    });
    const jobs = await jobsOf(stuck.fileId);
    expect(jobs.map((job) => job.event.data)).toEqual([jobs[0]?.event.data, jobs[0]?.event.data]);
    expect(jobs[1]?.event.id).not.toBe(jobs[0]?.event.id);
    expect(await jobsOf(fresh)).toHaveLength(1);
    expect(await jobsOf(finished.fileId)).toHaveLength(1);

    // A period after the re-queue (not after the confirm) it is sent again. (The seconds over
    // the period cover the test's own running time, which the service's clock also counts.)
    expect(await later(STUCK + STUCK / 2, sweep)).not.toContain(stuck.fileId);
    const third = await later(2 * STUCK + 10, sweep);
    expect(third).toContain(stuck.fileId);
    expect(third).toContain(fresh);
    expect(await jobsOf(stuck.fileId)).toHaveLength(3);
    expect((await repo.findByIds([stuck.fileId]))[0]?.status).toBe("PROCESSING");
  });

  test("two sweeps at once re-queue each stuck file once", async () => {
    const stuck = await Promise.all(Array.from({ length: 8 }, () => confirmedJpeg(file)));
    const ids = stuck.map((s) => s.fileId);
    const [a, b] = await later(STUCK + 1, () => Promise.all([sweep(), sweep()]));
    const both = [...(a ?? []), ...(b ?? [])].filter((id) => ids.includes(id));
    expect(both.sort()).toEqual([...ids].sort());
    for (const id of ids) expect(await jobsOf(id)).toHaveLength(2);
  });

  test("waits twice as long before each further re-send", async () => {
    const { fileId } = await confirmedJpeg(file);
    expect(await later(STUCK + 1, sweep)).toContain(fileId);
    expect(await later(2 * STUCK + 10, sweep)).toContain(fileId);
    // A period after that re-send is not enough any more: it waits as long as it has waited.
    expect(await later(3 * STUCK + 20, sweep)).not.toContain(fileId);
    expect(await later(4 * STUCK + 30, sweep)).toContain(fileId);
    expect(await jobsOf(fileId)).toHaveLength(4);
  });

  test("fails a file still processing after the give-up time as the worker's timeout", async () => {
    const { fileId, keys } = await confirmedJpeg(file);
    const finished = await confirmedJpeg(file);
    await finishReady(file, media, finished.fileId);
    const before = await counted("file_processing_given_up_total");

    const { givenUp, requeued } = await later(GIVE_UP + 1, sweepBoth);
    expect(givenUp).toContain(fileId);
    expect(givenUp).not.toContain(finished.fileId);
    expect(requeued).not.toContain(fileId);
    expect(await counted("file_processing_given_up_total")).toBe(before + givenUp.length);
    const [row] = await repo.findByIds([fileId]);
    expect(row).toMatchObject({ status: "FAILED", failureReason: "timeout" });
    // What the worker's own failure report does: the upload goes, hangout is told.
    expect(await isStored(file, incomingKey(fileId))).toBe(false);
    const processed = (await outboxOf(file, fileId)).filter((e) => e.type === PROCESSED);
    expect(processed.map((e) => e.event.data)).toEqual([
      expect.objectContaining({ fileId, status: "failed", failureReason: "timeout" }),
    ]);

    // Given up once: later sweeps leave it, and a late report from the worker changes nothing.
    const again = await later(2 * GIVE_UP, sweepBoth);
    expect([...again.givenUp, ...again.requeued]).not.toContain(fileId);
    await writeObject(file, keys.preview);
    expect(await finishReady(file, media, fileId)).toMatchObject({
      status: "failed",
      failureReason: "timeout",
    });
    expect(await isStored(file, keys.preview)).toBe(false);
    expect((await outboxOf(file, fileId)).filter((e) => e.type === PROCESSED)).toHaveLength(1);
  });
});
