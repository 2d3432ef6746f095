/**
 * A memory's photo through the pipeline (docs/decisions/0018-photo-pipeline.md, step 4): file's
 * `file.processed` arrives through the broker (hangout's consumer and inbox), the memory takes
 * the outcome once, members see it live, and `memory.processed.v1` leaves through the outbox.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { until } from "@hangout/platform/inbox/inbox.fixture";
import { openSse, type SseClient } from "@hangout/platform/testing/sse-client";
import { count, createHangout, invite, page, query, uploadMemories } from "./fixtures.ts";
import { type Stack, startStackWithPeople, type TestUser } from "./harness.ts";
import { outboxReader } from "./outbox-reader.ts";
import { failed, READY } from "./photo-pipeline.ts";

interface Variant {
  url: string;
  width: number;
  height: number;
  contentType: string;
}
interface Memory {
  id: string;
  status: string;
  failureReason: string | null;
  width: number | null;
  height: number | null;
  placeholder: string | null;
  url: string | null;
  urlExpiresAt: string | null;
  preview: Variant | null;
  thumbnail: Variant | null;
}

let stack: Stack;
let owner: TestUser;
let friend: TestUser;
let reader: ReturnType<typeof outboxReader>;
let hangoutId: string;
const open: SseClient[] = [];

beforeAll(async () => {
  let stranger: TestUser;
  ({ stack, owner, friend, stranger } = await startStackWithPeople());
  reader = outboxReader(stack, [owner, friend, stranger]);
  hangoutId = (await createHangout(stack, owner, { title: "Photo day" })).id;
  await invite(stack, owner, hangoutId, [friend]);
});
afterAll(async () => {
  for (const client of open) client.close();
  await stack?.stop();
});

const getMemory = async (id: string, user = owner) => {
  const response = await stack.as(user).get(`/memories/${id}`);
  expect(response.status).toBe(200);
  return (await response.json()) as Memory;
};

/** One photo of the friend's, confirmed. */
const confirmedPhoto = async () =>
  (await uploadMemories(stack, friend, hangoutId, { format: "jpg" }))[0] as string;

const fileIdOf = async (memoryId: string) =>
  (
    await query<{ file_id: string }>(stack, "SELECT file_id FROM memories WHERE id = ?", [memoryId])
  )[0]?.file_id as string;

/** The memory's stored photo columns. */
const photoRow = async (memoryId: string) =>
  (
    await query(
      stack,
      "SELECT status, photo_status, failure_reason, width, height, placeholder, processed_at FROM memories WHERE id = ?",
      [memoryId],
    )
  )[0];

const liveChanges = () => count(stack, "SELECT COUNT(*) AS n FROM live_events");
const processedInOutbox = (memoryId: string) =>
  count(
    stack,
    "SELECT COUNT(*) AS n FROM outbox WHERE type = 'dev.hangout-planner.memory.processed.v1' AND payload LIKE ?",
    [`%${memoryId}%`],
  );

async function ownersStream() {
  const client = await openSse(`${stack.hangoutUrl}/hangouts/${hangoutId}/events`, {
    authorization: `Bearer ${owner.token}`,
  });
  expect(client.status).toBe(200);
  open.push(client);
  return client;
}

/** The memory as GET shows it, without its short-lived URLs (signed anew on each read). */
const withoutUrls = ({ url, urlExpiresAt, preview, thumbnail, ...rest }: Memory) => ({
  ...rest,
  url: typeof url,
  urlExpiresAt: typeof urlExpiresAt,
  preview: preview && { ...preview, url: typeof preview.url },
  thumbnail: thumbnail && { ...thumbnail, url: typeof thumbnail.url },
});

describe("file.processed", () => {
  test("ready: the memory shows its size, placeholder and URLs; members see it live; one event out", async () => {
    const id = await confirmedPhoto();
    const before = await getMemory(id);
    expect(before).toMatchObject({
      status: "processing",
      failureReason: null,
      width: null,
      height: null,
      placeholder: null,
      url: null,
      urlExpiresAt: null,
      preview: null,
      thumbnail: null,
    });
    const stream = await ownersStream();
    const events = await reader.eventsOf(hangoutId, () => stack.markPhotoReady(id));
    expect(events).toEqual([
      [
        "memory.processed.v1",
        {
          hangoutId,
          memoryId: id,
          uploadedBy: friend.id,
          fileId: await fileIdOf(id),
          status: "ready",
          failureReason: null,
        },
      ],
    ]);

    const memory = await getMemory(id, friend);
    // A copy: Bun's toMatchObject writes its asymmetric matchers into what it was given.
    expect(structuredClone(memory)).toMatchObject({
      status: "ready",
      failureReason: null,
      width: READY.width,
      height: READY.height,
      placeholder: READY.placeholder,
      preview: { ...READY.preview, url: expect.any(String) },
      thumbnail: { ...READY.thumbnail, url: expect.any(String) },
    });
    expect(new Date(memory.urlExpiresAt ?? "").getTime()).toBeGreaterThan(Date.now());
    for (const url of [memory.url, memory.preview?.url, memory.thumbnail?.url]) {
      expect((await fetch(url ?? "")).status).toBe(200);
    }
    const listed = await page<Memory>(stack, owner, `/hangouts/${hangoutId}/memories`, 100);
    expect(listed.items.find((m) => m.id === id)?.status).toBe("ready");

    const live = await stream.next((e) => e.event === "memory.processed", 3000);
    const data = stream.json<{ memory: Memory }>(live);
    expect({ ...data, memory: withoutUrls(data.memory) } as unknown).toEqual({
      type: "memory.processed",
      actorId: null,
      hangoutId,
      memory: withoutUrls(memory),
    });
    expect(await processedInOutbox(id)).toBe(1);
  });

  test("failed as infected: failed with its reason and no URL, still listed, live too", async () => {
    const id = await confirmedPhoto();
    const stream = await ownersStream();
    const events = await reader.eventsOf(hangoutId, () =>
      stack.publishPhotoOutcome([id], failed("infected")),
    );
    expect(events).toEqual([
      [
        "memory.processed.v1",
        {
          hangoutId,
          memoryId: id,
          uploadedBy: friend.id,
          fileId: await fileIdOf(id),
          status: "failed",
          failureReason: "infected",
        },
      ],
    ]);
    const memory = await getMemory(id);
    expect(memory).toMatchObject({
      status: "failed",
      failureReason: "infected",
      width: null,
      height: null,
      placeholder: null,
      url: null,
      urlExpiresAt: null,
      preview: null,
      thumbnail: null,
    });
    const listed = await page<Memory>(stack, owner, `/hangouts/${hangoutId}/memories`, 100);
    expect(listed.items.find((m) => m.id === id)).toEqual(memory);
    const live = await stream.next((e) => e.event === "memory.processed", 3000);
    expect(stream.json(live)).toEqual({
      type: "memory.processed",
      actorId: null,
      hangoutId,
      memory,
    });
  });

  test("the first outcome wins: a redelivery and a later outcome change nothing", async () => {
    const id = await confirmedPhoto();
    const [eventId] = await stack.publishPhotoOutcome([id], READY);
    const row = await photoRow(id);
    expect(row).toMatchObject({ photo_status: "ready", width: READY.width });
    const [seq, changes] = [await reader.lastSeq(), await liveChanges()];
    const duplicates = await consumed("duplicate");

    await stack.publishPhotoOutcome([id], failed("infected"), { id: eventId, wait: false });
    await until(async () => (await consumed("duplicate")) > duplicates, 15_000, "the redelivery");
    await stack.publishPhotoOutcome([id], failed("infected"));

    expect(await photoRow(id)).toEqual(row);
    expect(await reader.rowsAfter(seq)).toEqual([]);
    expect(await liveChanges()).toBe(changes);
    expect((await getMemory(id)).status).toBe("ready");
    expect(await processedInOutbox(id)).toBe(1);
  });

  test("a memory being deleted, or deleted, stays so", async () => {
    const [hiding, deleted] = [await confirmedPhoto(), await confirmedPhoto()];
    // A crash between hiding and deleting leaves it `deleting` (the sweeper finishes it).
    await query(stack, "UPDATE memories SET status = 'deleting' WHERE id = ?", [hiding]);
    const deletedPhoto = { memoryId: deleted, fileId: await fileIdOf(deleted) };
    expect((await stack.as(friend).delete(`/memories/${deleted}`)).status).toBe(204);
    const [seq, changes] = [await reader.lastSeq(), await liveChanges()];

    await stack.publishPhotoOutcome([hiding, deletedPhoto], READY);

    expect(await photoRow(hiding)).toMatchObject({
      status: "deleting",
      photo_status: "processing",
      processed_at: null,
    });
    expect(await photoRow(deleted)).toBeUndefined();
    expect(await reader.rowsAfter(seq)).toEqual([]);
    expect(await liveChanges()).toBe(changes);
    expect((await stack.as(owner).get(`/memories/${hiding}`)).status).toBe(404);
  });

  test("an outcome that comes before hangout recorded the confirm is kept for it", async () => {
    const [id] = await uploadMemories(stack, friend, hangoutId, { confirm: false });
    await stack.publishPhotoOutcome([id as string], READY);
    expect(await photoRow(id as string)).toMatchObject({
      status: "pending",
      photo_status: "ready",
    });
    const confirm = await stack
      .as(friend)
      .post(`/hangouts/${hangoutId}/memories/confirm`, { memoryIds: [id] });
    expect(confirm.status).toBe(200);
    const { confirmed } = (await confirm.json()) as { confirmed: Memory[] };
    expect(confirmed[0]).toMatchObject({ id, status: "ready", width: READY.width });
  });
});

/** How many events hangout's consumer acknowledged with `outcome`. */
async function consumed(outcome: "processed" | "duplicate") {
  const queue = stack.hangout.config.HANGOUT_EVENTS_QUEUE;
  const metric = stack.hangout.platform.metrics.registry.getSingleMetric("events_consumed_total");
  const { values } = (await metric?.get()) ?? { values: [] };
  return values
    .filter((v) => v.labels.outcome === outcome && v.labels.consumer === queue)
    .reduce((sum, v) => sum + v.value, 0);
}
