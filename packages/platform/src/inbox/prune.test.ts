import { afterAll, beforeAll, expect, test } from "bun:test";
import { createLogger } from "../logger.ts";
import { createInboxDatabase, type InboxDatabase } from "./inbox.fixture.ts";
import { inboxPruneTask, pruneInbox } from "./prune.ts";
import { inbox } from "./table.ts";

let database: InboxDatabase;
beforeAll(async () => {
  database = await createInboxDatabase();
});
afterAll(() => database.drop());

const now = new Date("2030-01-10T00:00:00.000Z");
const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000);

test("pruning deletes only rows processed before the cutoff, in batches", async () => {
  const old = Array.from({ length: 2500 }, (_, i) => ({
    consumer: "q",
    eventId: `00000000-0000-7000-8000-${String(i).padStart(12, "0")}`,
    type: "t",
    processedAt: daysAgo(10),
  }));
  for (let i = 0; i < old.length; i += 500) {
    await database.db.insert(inbox).values(old.slice(i, i + 500));
  }
  const recent = { consumer: "q", eventId: Bun.randomUUIDv7(), type: "t", processedAt: daysAgo(1) };
  await database.db.insert(inbox).values(recent);

  expect(await pruneInbox(database.db, daysAgo(7))).toBe(2500);
  const left = await database.inbox();
  expect(left.map((row) => row.event_id)).toEqual([recent.eventId]);
  expect(await pruneInbox(database.db, daysAgo(7))).toBe(0);
});

test("the task prunes by its retention against the service's clock", async () => {
  const lines: string[] = [];
  const logger = createLogger({
    service: "t",
    level: "info",
    destination: { write: (line: string) => void lines.push(line) },
  });
  await database.db.insert(inbox).values({
    consumer: "q",
    eventId: Bun.randomUUIDv7(),
    type: "t",
    processedAt: daysAgo(3),
  });
  const task = inboxPruneTask(database.db, {
    retentionSeconds: 2 * 86_400,
    clock: () => now,
    logger,
  });
  await task.run();
  expect((await database.inbox()).every((row) => row.processed_at > daysAgo(2))).toBe(true);
  expect(lines.join("")).toContain('"pruned":1');
});
