import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createDatabase, createPool } from "@hangout/platform/db";
import { createHotSql, type HotSql } from "@hangout/platform/hot-sql";
import { createTestDatabase, type TestDatabase } from "@hangout/platform/testing/database";
import { and, asc, eq, gt, isNull, or } from "drizzle-orm";
import type { HangoutDatabase } from "../db/index.ts";
import { hangouts, members, schema } from "../db/schema.ts";
import { createHangoutsRepository, type HangoutRow, type MemberRow } from "./hangouts.ts";
import { createInvitationsRepository } from "./invitations.ts";

let database: TestDatabase;
let pool: ReturnType<typeof createPool>;
let hot: HotSql;
let db: HangoutDatabase;
let repo: ReturnType<typeof createHangoutsRepository>;

const owner = Bun.randomUUIDv7();
const guest = Bun.randomUUIDv7();
const stranger = Bun.randomUUIDv7();

// Every nullable column set, non-ASCII text, doubles, and instants where a time-zone slip shows.
const full: HangoutRow = {
  id: Bun.randomUUIDv7(),
  ownerId: owner,
  title: "Zoë's 🎉 Straße-Fest 'quoted' \\ back",
  description: "line\nbreak, 日本語, émoji 🏖️",
  locationName: "Café Müller",
  locationAddress: "Rue de l'Été 1, Genève",
  locationLat: 46.2043907,
  locationLng: -6.1431577,
  startsAt: new Date("1999-12-31T23:59:59.999Z"),
  endsAt: new Date("2000-01-01T00:00:00.001Z"),
  status: "confirmed",
  memberCount: 2,
  createdAt: new Date("2026-03-29T01:30:00.123Z"),
  updatedAt: new Date("2026-10-25T02:30:00.456Z"),
  deletedAt: null,
};
// Every nullable column NULL.
const bare: HangoutRow = {
  id: Bun.randomUUIDv7(),
  ownerId: owner,
  title: "plain",
  description: null,
  locationName: null,
  locationAddress: null,
  locationLat: null,
  locationLng: null,
  startsAt: new Date("2031-02-03T04:05:06.789Z"),
  endsAt: null,
  status: "planning",
  memberCount: 1,
  createdAt: new Date("2031-01-01T00:00:00.000Z"),
  updatedAt: new Date("2031-01-01T00:00:00.000Z"),
  deletedAt: null,
};
const deleted: HangoutRow = { ...bare, id: Bun.randomUUIDv7(), title: "deleted" };

const ownerOf = (hangoutId: string): Omit<MemberRow, "startsAt"> => ({
  hangoutId,
  userId: owner,
  role: "owner",
  rsvp: "going",
  joinedAt: new Date("2026-01-01T00:00:00.000Z"),
});

beforeAll(async () => {
  database = await createTestDatabase("hangout");
  pool = createPool(database.url);
  db = createDatabase(pool, schema);
  hot = createHotSql(database.url, { connections: 2 });
  repo = createHangoutsRepository(db, hot);
  for (const hangout of [full, bare, deleted])
    await repo.insertWithOwner(hangout, ownerOf(hangout.id));
  await db.insert(members).values({
    hangoutId: full.id,
    userId: guest,
    role: "member",
    rsvp: "maybe",
    joinedAt: new Date("2026-02-02T00:00:00.000Z"),
    startsAt: full.startsAt,
  });
  await repo.markDeleted(deleted.id, new Date("2026-05-05T05:05:05.505Z"));
});

afterAll(async () => {
  await hot.close();
  await pool.end();
  await database.drop();
});

/** The access check as a Drizzle query: what the hand-written SQL stands for. */
const drizzleForMember = async (hangoutId: string, userId: string) =>
  (
    await db
      .select({ hangout: hangouts, membership: { role: members.role, rsvp: members.rsvp } })
      .from(hangouts)
      .innerJoin(members, eq(members.hangoutId, hangouts.id))
      .where(
        and(eq(hangouts.id, hangoutId), eq(members.userId, userId), isNull(hangouts.deletedAt)),
      )
      .limit(1)
  )[0];

// docs/decisions/0002-hot-queries.md: the access check is hand-written SQL, and must return
// exactly what the Drizzle query returns, so a new column or a type Drizzle would convert
// differently fails here.
describe("findForMember (the access check)", () => {
  const cases: [string, string, string][] = [
    ["every nullable column set, owner", full.id, owner],
    ["every nullable column set, member", full.id, guest],
    ["every nullable column NULL", bare.id, owner],
    ["miss: not a member", full.id, stranger],
    ["miss: member of another hangout", bare.id, guest],
    ["miss: deleted hangout", deleted.id, owner],
    ["miss: no such hangout", Bun.randomUUIDv7(), owner],
  ];
  for (const [name, hangoutId, userId] of cases) {
    test(`returns what Drizzle returns: ${name}`, async () => {
      expect(await repo.findForMember(hangoutId, userId)).toStrictEqual(
        await drizzleForMember(hangoutId, userId),
      );
    });
  }

  test("returns the stored row and the caller's membership", async () => {
    expect(await repo.findForMember(full.id, guest)).toStrictEqual({
      hangout: full,
      membership: { role: "member", rsvp: "maybe" },
    });
    expect(await repo.findForMember(bare.id, owner)).toStrictEqual({
      hangout: bare,
      membership: { role: "owner", rsvp: "going" },
    });
    expect((await repo.findForMember(full.id, owner))?.hangout.startsAt.toISOString()).toBe(
      "1999-12-31T23:59:59.999Z",
    );
    for (const miss of [
      [full.id, stranger],
      [deleted.id, owner],
    ] as const) {
      expect(await repo.findForMember(...miss)).toBeUndefined();
    }
  });
});

/** The list as a Drizzle query: what the hand-written SQL stands for. */
const drizzleList = (
  userId: string,
  options: { status?: HangoutRow["status"]; after?: { startsAt: Date; id: string }; limit: number },
) =>
  db
    .select({ hangout: hangouts, membership: { role: members.role, rsvp: members.rsvp } })
    .from(members)
    .innerJoin(hangouts, eq(hangouts.id, members.hangoutId))
    .where(
      and(
        eq(members.userId, userId),
        isNull(hangouts.deletedAt),
        options.status ? eq(hangouts.status, options.status) : undefined,
        options.after
          ? or(
              gt(hangouts.startsAt, options.after.startsAt),
              and(eq(hangouts.startsAt, options.after.startsAt), gt(hangouts.id, options.after.id)),
            )
          : undefined,
      ),
    )
    .orderBy(asc(hangouts.startsAt), asc(hangouts.id))
    .limit(options.limit);

describe("listForMember (the home page's list)", () => {
  // Two more of the owner's hangouts at the same instant as `bare`, so the id breaks the tie.
  const twins = [Bun.randomUUIDv7(), Bun.randomUUIDv7()].map((id) => ({ ...bare, id }));
  beforeAll(async () => {
    for (const twin of twins) await repo.insertWithOwner(twin, ownerOf(twin.id));
  });

  const cases: [string, string, Parameters<typeof drizzleList>[1]][] = [
    ["first page", owner, { limit: 20 }],
    ["first page, cut short", owner, { limit: 2 }],
    ["by status", owner, { status: "planning", limit: 20 }],
    ["by a status nobody has", owner, { status: "done", limit: 20 }],
    ["after a position", owner, { after: { startsAt: full.startsAt, id: full.id }, limit: 20 }],
    ["after a tie", owner, { after: { startsAt: bare.startsAt, id: bare.id }, limit: 20 }],
    [
      "by status after a position",
      owner,
      { status: "planning", after: { startsAt: bare.startsAt, id: "0" }, limit: 2 },
    ],
    ["a member's", guest, { limit: 20 }],
    ["a stranger's", stranger, { limit: 20 }],
  ];
  for (const [name, userId, options] of cases) {
    test(`returns what Drizzle returns: ${name}`, async () => {
      const expected = await drizzleList(userId, options);
      expect(await repo.listForMember(userId, options)).toStrictEqual(expected);
    });
  }

  test("soonest first, ties by id, deleted hangouts left out", async () => {
    const ids = (await repo.listForMember(owner, { limit: 20 })).map((row) => row.hangout.id);
    expect(ids).toEqual([full.id, ...[bare.id, ...twins.map((twin) => twin.id)].sort()]);
  });
});

describe("a membership's copy of the hangout's start (what the list orders by)", () => {
  const mover = Bun.randomUUIDv7();
  const joiner = Bun.randomUUIDv7();
  const early: HangoutRow = {
    ...bare,
    id: Bun.randomUUIDv7(),
    ownerId: mover,
    startsAt: new Date("2030-01-01T10:00:00.000Z"),
  };
  const late: HangoutRow = { ...early, id: Bun.randomUUIDv7(), startsAt: new Date("2030-06-01") };
  const copies = async () =>
    db
      .select({ copy: members.startsAt, start: hangouts.startsAt })
      .from(members)
      .innerJoin(hangouts, eq(hangouts.id, members.hangoutId))
      .where(eq(hangouts.ownerId, mover));
  const listed = async (userId: string) =>
    (await repo.listForMember(userId, { limit: 20 })).map((row) => row.hangout.id);

  beforeAll(async () => {
    for (const hangout of [early, late]) {
      await repo.insertWithOwner(hangout, { ...ownerOf(hangout.id), userId: mover });
    }
    const invited = await createInvitationsRepository(db).invite(
      early.id,
      { users: [{ id: joiner, email: "joiner@example.com" }], emails: [] },
      { invitedBy: mover, at: new Date(), expiresAt: new Date(Date.now() + 86_400_000) },
      () => [],
    );
    expect(invited).toBeDefined();
  });

  test("is the hangout's for the owner and for a member who joined", async () => {
    const rows = await copies();
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(row.copy).toEqual(row.start);
    expect(await listed(mover)).toEqual([early.id, late.id]);
  });

  test("follows the hangout when it moves, for every member, in the same change", async () => {
    const moved = new Date("2030-12-24T18:00:00.000Z");
    await repo.updateLocked(early.id, () => ({ changes: { startsAt: moved }, events: [] }));
    const rows = await copies();
    for (const row of rows) expect(row.copy).toEqual(row.start);
    expect(rows.filter((row) => row.copy.getTime() === moved.getTime())).toHaveLength(2);
    expect(await listed(mover)).toEqual([late.id, early.id]);
    expect(await repo.listForMember(joiner, { limit: 20 })).toStrictEqual(
      await drizzleList(joiner, { limit: 20 }),
    );
  });
});
