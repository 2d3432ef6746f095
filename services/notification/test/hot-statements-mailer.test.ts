import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createDatabase, createPool } from "@hangout/platform/db";
import { createHotSql, type HotSql } from "@hangout/platform/hot-sql";
import { createTestDatabase, type TestDatabase } from "@hangout/platform/testing/database";
import { and, asc, eq, inArray, lte } from "drizzle-orm";
import type { NotificationDatabase } from "../src/db/index.ts";
import { deliveries, schema } from "../src/db/schema.ts";
import { claimDue, type Delivery, markSent } from "../src/repositories/deliveries.ts";

/*
 * docs/decisions/0019-notification-hot-statements.md: the mailer's hand-written statements
 * (src/repositories/deliveries.ts) must read and store exactly what the Drizzle queries they
 * replaced do. Those queries are kept here as the oracle. markSent runs on Bun's client
 * (docs/decisions/0021-hot-statements-on-bun-sql.md).
 */

let database: TestDatabase;
let pool: ReturnType<typeof createPool>;
let hot: HotSql;
let db: NotificationDatabase;
beforeAll(async () => {
  database = await createTestDatabase("notification");
  pool = createPool(database.url, { connectionLimit: 4 });
  hot = createHotSql(database.url, { connections: 2 });
  db = createDatabase(pool, schema);
});
afterAll(async () => {
  await hot?.close();
  await pool?.end();
  await database?.drop();
});

const T = (iso: string) => new Date(iso);
const content = { title: "Zoë's 🎉 \"Fest\" \\ 'x'", startsAt: "2030-03-10T18:00:00.000Z", n: 1.5 };

/** A pending row due at `due`; every nullable column set unless `bare`. */
function row(due: Date, bare = false): Delivery {
  return {
    id: Bun.randomUUIDv7(),
    sourceId: Bun.randomUUIDv7(),
    recipient: bare ? "email:ann@example.com" : `user:${Bun.randomUUIDv7()}`,
    userId: bare ? null : Bun.randomUUIDv7(),
    email: bare ? "Ann@Example.com" : null,
    kind: bare ? "invitation" : "update",
    hangoutId: Bun.randomUUIDv7(),
    content,
    traceparent: bare ? null : "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    status: "pending",
    attempts: bare ? 0 : 3,
    nextAttemptAt: due,
    createdAt: T("2029-12-31T23:59:59.999Z"),
    finishedAt: bare ? null : T("2030-01-01T00:00:00.001Z"),
    outcome: bare ? null : "SMTP 451 (EENVELOPE) 'quoted' 日本語",
  };
}

/** The claim's SELECT as Drizzle made it (outside a transaction: it locks nothing here). */
const drizzleDue = (now: Date, limit: number) =>
  db
    .select()
    .from(deliveries)
    .where(and(eq(deliveries.status, "pending"), lte(deliveries.nextAttemptAt, now)))
    .orderBy(asc(deliveries.nextAttemptAt))
    .limit(limit);

const stored = (ids: string[]) =>
  db.select().from(deliveries).where(inArray(deliveries.id, ids)).orderBy(asc(deliveries.id));

describe("claimDue", () => {
  test("returns what Drizzle's select returns, and moves their next attempt to the lease's end", async () => {
    const now = T("2030-06-01T12:00:00.500Z");
    const rows = [
      row(T("2030-06-01T12:00:00.500Z")),
      row(T("2030-06-01T11:00:00.001Z"), true),
      row(T("2030-05-01T00:00:00.999Z")),
      row(T("2030-06-01T12:00:00.501Z")), // not due yet
      { ...row(T("2030-01-01T00:00:00.000Z")), status: "sent" as const }, // not pending
    ];
    await db.insert(deliveries).values(rows);
    const expected = await drizzleDue(now, 2);
    expect(expected.map((r) => r.id)).toEqual([rows[2], rows[1]].map((r) => r?.id as string));

    const claimed = await claimDue(pool, now, 2, 60_000);
    expect(claimed).toStrictEqual(expected);
    const until = T("2030-06-01T12:01:00.500Z");
    expect(await stored(claimed.map((r) => r.id))).toStrictEqual(
      expected
        .map((r) => ({ ...r, nextAttemptAt: until }))
        .sort((a, b) => a.id.localeCompare(b.id)),
    );

    // Claimed rows are not due until the lease ends; the rest of what is due comes next.
    expect(await claimDue(pool, now, 25, 60_000)).toStrictEqual([rows[0] as Delivery]);
    expect(await claimDue(pool, now, 25, 60_000)).toStrictEqual([]);
  });
});

describe("markSent", () => {
  test("stores what Drizzle's update stores", async () => {
    const [ours, theirs] = [row(T("2030-01-01T00:00:00.000Z")), row(T("2030-01-01T00:00:00.000Z"))];
    await db.insert(deliveries).values([ours, theirs]);
    const at = T("2030-07-08T09:10:11.012Z");
    const messageId = `<${"x".repeat(300)}@hangout-planner.localhost>`;
    expect(await markSent(hot, ours, at, messageId)).toBe(1);
    await db
      .update(deliveries)
      .set({
        status: "sent",
        attempts: theirs.attempts + 1,
        finishedAt: at,
        outcome: messageId.slice(0, 255),
      })
      .where(eq(deliveries.id, theirs.id));
    const [[a], [b]] = await Promise.all([stored([ours.id]), stored([theirs.id])]);
    // The two rows differ only in the columns that identify them.
    const what = (r?: Delivery) => ({
      ...r,
      id: "",
      sourceId: "",
      recipient: "",
      userId: "",
      hangoutId: "",
    });
    expect(what(a)).toStrictEqual(what(b));
    expect(a).toMatchObject({ status: "sent", attempts: 4, finishedAt: at });
    expect(a?.outcome).toHaveLength(255);
  });

  test("counts the rows it matched, as mysql2 does, also when nothing changed", async () => {
    const delivery = row(T("2030-01-01T00:00:00.000Z"));
    await db.insert(deliveries).values(delivery);
    const at = T("2030-07-08T09:10:11.012Z");
    expect(await markSent(hot, delivery, at, "<a@hangout-planner.localhost>")).toBe(1);
    // The same call again: its row already holds those values, and still counts.
    expect(await markSent(hot, delivery, at, "<a@hangout-planner.localhost>")).toBe(1);
    // As Drizzle's update of the same values, on mysql2, reports the row it matched.
    const [header] = await db
      .update(deliveries)
      .set({ status: "sent", attempts: delivery.attempts + 1, finishedAt: at })
      .where(eq(deliveries.id, delivery.id));
    expect(header).toMatchObject({ affectedRows: 1, changedRows: 0 });
    expect(await markSent(hot, { ...delivery, id: Bun.randomUUIDv7() }, at, "<b@x>")).toBe(0);
  });
});
