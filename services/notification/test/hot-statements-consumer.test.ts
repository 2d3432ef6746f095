import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { runTransaction } from "@hangout/platform/db";
import { and, eq, sql } from "drizzle-orm";
import { deliveries, hangouts, members } from "../src/db/schema.ts";
import { type NewDelivery, queueDeliveries } from "../src/repositories/deliveries-queue.ts";
import {
  lockHangoutAndMember,
  type NotificationTransaction,
  type ProjectedHangout,
  type ProjectedMember,
  putMember,
} from "../src/repositories/projection.ts";
import { type NotificationStore, newId, notificationDatabase } from "./events-fixtures.ts";

/*
 * docs/decisions/0019-notification-hot-statements.md: the consumer's hand-written statements
 * (src/repositories/projection.ts, deliveries-queue.ts) must read and store exactly what the
 * Drizzle queries they replaced do. Those queries are kept here as the oracle.
 */

let store: NotificationStore;
beforeAll(async () => {
  store = await notificationDatabase();
});
afterAll(() => store?.drop());

/** As the consumer runs its handler: in a READ COMMITTED transaction. */
const inTx = <T>(work: (tx: NotificationTransaction) => Promise<T>) =>
  runTransaction(store.db, work, { isolationLevel: "read committed" });

// Every nullable column set, non-ASCII and quoting characters, and instants where a millisecond
// or time-zone slip shows.
const full: ProjectedHangout = {
  id: newId(),
  ownerId: newId(),
  title: "Zoë's 🎉 Straße-Fest 'quoted' \\ back",
  locationName: "Café Müller, 日本語",
  startsAt: new Date("1999-12-31T23:59:59.999Z"),
  endsAt: new Date("2000-01-01T00:00:00.001Z"),
  status: "confirmed",
  changedAt: new Date("2026-03-29T01:30:00.123Z"),
  statusChangedAt: new Date("2026-10-25T02:30:00.456Z"),
  deletedAt: new Date("2027-01-01T00:00:00.789Z"),
  remindedStartsAt: new Date("1999-12-31T23:59:59.999Z"),
};
// Every nullable column NULL.
const bare: ProjectedHangout = {
  ...full,
  id: newId(),
  title: "plain",
  locationName: null,
  endsAt: null,
  status: "planning",
  deletedAt: null,
  remindedStartsAt: null,
};
const removed: ProjectedMember = {
  hangoutId: full.id,
  userId: newId(),
  rsvp: "maybe",
  changedAt: new Date("2026-05-05T05:05:05.505Z"),
  removedAt: new Date("2026-06-06T06:06:06.606Z"),
};
const going: ProjectedMember = { ...removed, userId: newId(), rsvp: "going", removedAt: null };

beforeAll(async () => {
  await store.db.insert(hangouts).values([full, bare]);
  await store.db.insert(members).values([removed, going]);
});

/** What the handlers read before: the hangout locked, then the member's row. */
const drizzleLockAndMember = (hangoutId: string, userId: string) =>
  inTx(async (tx) => {
    const [hangout] = await tx
      .select()
      .from(hangouts)
      .where(eq(hangouts.id, hangoutId))
      .for("update");
    if (!hangout) return undefined;
    const [member] = await tx
      .select()
      .from(members)
      .where(and(eq(members.hangoutId, hangoutId), eq(members.userId, userId)));
    return { hangout, member };
  });

describe("lockHangoutAndMember", () => {
  const cases: [string, () => [string, string]][] = [
    ["every nullable column set, a removed member", () => [full.id, removed.userId]],
    ["every nullable column set, a current member", () => [full.id, going.userId]],
    ["every nullable column NULL, no such member", () => [bare.id, removed.userId]],
    ["no such hangout", () => [newId(), going.userId]],
  ];
  for (const [name, args] of cases) {
    test(`returns what Drizzle returns: ${name}`, async () => {
      const [hangoutId, userId] = args();
      const ours = await inTx((tx) => lockHangoutAndMember(tx, hangoutId, userId));
      expect(ours).toStrictEqual(await drizzleLockAndMember(hangoutId, userId));
    });
  }

  test("returns the stored rows", async () => {
    expect(await inTx((tx) => lockHangoutAndMember(tx, full.id, removed.userId))).toStrictEqual({
      hangout: full,
      member: removed,
    });
    expect(await inTx((tx) => lockHangoutAndMember(tx, bare.id, going.userId))).toStrictEqual({
      hangout: bare,
      member: undefined,
    });
  });
});

const memberRow = async (hangoutId: string, userId: string) =>
  (
    await store.db
      .select()
      .from(members)
      .where(and(eq(members.hangoutId, hangoutId), eq(members.userId, userId)))
  )[0];

describe("putMember", () => {
  test("stores what Drizzle's insert … on duplicate key update stores", async () => {
    const [ours, theirs] = [newId(), newId()];
    const put = (userId: string, rsvp: "pending" | "going", at: Date, removed = false) =>
      ({ hangoutId: bare.id, userId, rsvp, at, removed }) as const;
    const drizzlePut = (row: ReturnType<typeof put>) =>
      inTx(async (tx) => {
        const removedAt = row.removed ? row.at : null;
        await tx
          .insert(members)
          .values({ ...row, changedAt: row.at, removedAt })
          .onDuplicateKeyUpdate({ set: { rsvp: row.rsvp, changedAt: row.at, removedAt } });
      });
    const steps = [
      ["pending", new Date("2030-01-01T00:00:00.001Z"), false],
      ["going", new Date("2030-01-02T00:00:00.999Z"), false],
      ["going", new Date("2030-01-03T23:59:59.500Z"), true],
    ] as const;
    for (const [rsvp, at, gone] of steps) {
      await inTx((tx) => putMember(tx, put(ours, rsvp, at, gone)));
      await drizzlePut(put(theirs, rsvp, at, gone));
      const [a, b] = [await memberRow(bare.id, ours), await memberRow(bare.id, theirs)];
      expect(a && { ...a, userId: theirs }).toStrictEqual(b);
    }
    expect(await memberRow(bare.id, ours)).toStrictEqual({
      hangoutId: bare.id,
      userId: ours,
      rsvp: "going",
      changedAt: steps[2][1],
      removedAt: steps[2][1],
    });
  });
});

describe("queueDeliveries", () => {
  const now = new Date("2030-02-03T04:05:06.789Z");
  const content = {
    title: "Zoë's 🎉 \"Fest\" \\ 'x'",
    startsAt: "2030-03-10T18:00:00.000Z",
    endsAt: null,
    locationName: "日本語",
    invitedBy: newId(),
    invitationId: null,
  };
  const batch = (sourceId: string): NewDelivery[] => [
    {
      sourceId,
      to: { userId: newId() },
      kind: "invitation",
      hangoutId: full.id,
      content,
      traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    },
    {
      sourceId,
      to: { email: "Ann.Example@Example.COM" },
      kind: "update",
      hangoutId: full.id,
      content,
      traceparent: null,
    },
  ];
  /** The insert as Drizzle made it, with the ids `queueDeliveries` gave the same rows. */
  const drizzleQueue = (rows: NewDelivery[], ids: string[]) =>
    inTx((tx) =>
      tx
        .insert(deliveries)
        .values(
          rows.map((row, i) => ({
            id: ids[i] as string,
            sourceId: row.sourceId,
            recipient:
              "userId" in row.to ? `user:${row.to.userId}` : `email:${row.to.email.toLowerCase()}`,
            userId: "userId" in row.to ? row.to.userId : null,
            email: "email" in row.to ? row.to.email : null,
            kind: row.kind,
            hangoutId: row.hangoutId,
            content: row.content as unknown as Record<string, unknown>,
            traceparent: row.traceparent,
            status: "pending" as const,
            attempts: 0,
            nextAttemptAt: now,
            createdAt: now,
          })),
        )
        .onDuplicateKeyUpdate({ set: { id: sql`${deliveries.id}` } }),
    );
  const queued = (sourceId: string) =>
    store.db.select().from(deliveries).where(eq(deliveries.sourceId, sourceId));

  test("stores what Drizzle's insert stores, and keeps a row already queued", async () => {
    const [ours, theirs] = [newId(), newId()];
    const rows = batch(ours);
    const ids = await inTx((tx) => queueDeliveries(tx, rows, now));
    const copy = rows.map((row) => ({ ...row, sourceId: theirs }));
    await drizzleQueue(
      copy,
      ids.map(() => newId()),
    );
    const strip = (r: typeof deliveries.$inferSelect) => ({ ...r, id: "", sourceId: "" });
    const byRecipient = (a: { recipient: string }, b: { recipient: string }) =>
      a.recipient.localeCompare(b.recipient);
    const stored = (await queued(ours)).sort(byRecipient);
    expect(stored.map(strip)).toStrictEqual((await queued(theirs)).sort(byRecipient).map(strip));
    expect(stored.map((r) => r.id).sort()).toEqual([...ids].sort());
    expect(stored.find((r) => r.email)?.recipient).toBe("email:ann.example@example.com");
    expect(stored[0]?.content).toStrictEqual(content);

    // A redelivery inserts nothing and changes nothing.
    await inTx((tx) => queueDeliveries(tx, rows, new Date()));
    expect((await queued(ours)).sort(byRecipient)).toStrictEqual(stored);
  });
});
