/**
 * Invitations to addresses with no account: made by an invite, listed to the owner only, taken
 * up when auth's `user.signed-up` for that address arrives through the broker (hangout's own
 * consumer, its inbox and auth's UserDirectory), never honoured once expired, swept, and gone
 * with their hangout. With auth's UserDirectory unreachable: invitations-directory-down.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { until } from "@hangout/platform/inbox/inbox.fixture";
import { sweeperTask } from "../src/tasks/sweeper.ts";
import { addMember, count, createHangout, expectProblem, getHangout, walk } from "./fixtures.ts";
import type { Stack, TestUser } from "./harness.ts";
import { startStackWithPeople } from "./harness.ts";
import {
  DAY_MS,
  type Invitation,
  type InviteResult,
  invitationHelpers,
  newAddress,
  TTL_DAYS,
} from "./invitations.fixture.ts";
import { expectStatus, outboxReader } from "./outbox-reader.ts";

describe("invitations to addresses with no account", () => {
  let stack: Stack;
  let owner: TestUser;
  let friend: TestUser;
  let stranger: TestUser;
  let h: ReturnType<typeof invitationHelpers>;
  let reader: ReturnType<typeof outboxReader>;

  beforeAll(async () => {
    ({ stack, owner, friend, stranger } = await startStackWithPeople());
    h = invitationHelpers(stack);
    reader = outboxReader(stack, [owner, friend, stranger]);
    await h.consumerReady();
  });
  afterAll(() => stack?.stop());

  test("an unknown address gets a pending invitation and member.invited with its address", async () => {
    const { id } = await createHangout(stack, owner);
    await addMember(stack, id, friend);
    const email = newAddress();
    let result: InviteResult | undefined;
    const events = await reader.eventsOf(id, async () => {
      result = await h.invite(owner, id, [email, friend.email, email.toLowerCase()]);
    });
    expect(result).toEqual({ invited: [], alreadyMembers: [friend.id], pendingEmails: [email] });

    const [row, ...more] = await h.rows(id);
    expect(more).toEqual([]);
    expect(row).toMatchObject({ email: email.toLowerCase(), invited_by: owner.id });
    expect(row?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect((row?.expires_at.getTime() ?? 0) - (row?.created_at.getTime() ?? 0)).toBe(
      TTL_DAYS * DAY_MS,
    );
    expect(events).toEqual([
      [
        "member.invited.v1",
        {
          hangoutId: id,
          invitedBy: owner.id,
          invitee: { invitationId: row?.id, email: email.toLowerCase() },
        },
      ],
    ]);
    // Not a member until the address signs up.
    expect((await getHangout(stack, owner, id)).memberCount).toBe(2);
  });

  test("only the owner sees them: a member gets 403, anyone else 404; members list no address", async () => {
    const { id } = await createHangout(stack, owner);
    await addMember(stack, id, friend);
    const emails = [newAddress(), newAddress(), newAddress()];
    for (const email of emails) await h.invite(owner, id, [email]);

    const { items, pages } = await walk<Invitation>(stack, owner, `/hangouts/${id}/invitations`, 2);
    expect(pages).toBe(2);
    const rows = await h.rows(id);
    expect(items).toEqual(
      rows.map((row) => ({
        id: row.id,
        email: row.email,
        invitedBy: owner.id,
        createdAt: row.created_at.toISOString(),
        expiresAt: row.expires_at.toISOString(),
      })),
    );
    expect(items.map((i) => i.email)).toEqual(emails.map((e) => e.toLowerCase()));

    await expectProblem(await stack.as(friend).get(`/hangouts/${id}/invitations`), 403);
    await expectProblem(await stack.as(stranger).get(`/hangouts/${id}/invitations`), 404);
    const members = await stack.as(friend).get(`/hangouts/${id}/members`);
    const text = (await members.text()).toLowerCase();
    expect(members.status).toBe(200);
    for (const email of emails) expect(text).not.toContain(email.toLowerCase());
  });

  test("inviting a pending address again moves its expiry and tells nobody again", async () => {
    const { id } = await createHangout(stack, owner);
    const email = newAddress();
    await h.invite(owner, id, [email]);
    const [before] = await h.rows(id);
    stack.advance(86_400);
    let result: InviteResult | undefined;
    const events = await reader.eventsOf(id, async () => {
      result = await h.invite(owner, id, [email.toUpperCase()]);
    });
    expect(result?.pendingEmails).toEqual([email.toUpperCase()]);
    expect(events).toEqual([]);
    const [after, ...more] = await h.rows(id);
    expect(more).toEqual([]);
    expect(after?.id).toBe(before?.id ?? "missing");
    expect(after?.created_at).toEqual(before?.created_at ?? new Date(0));
    // A day later by the service's clock, plus the real time the test took.
    const moved = (after?.expires_at.getTime() ?? 0) - (before?.expires_at.getTime() ?? 0);
    expect(moved).toBeGreaterThanOrEqual(DAY_MS);
    expect(moved).toBeLessThan(DAY_MS + 60_000);
    const { items } = await walk<Invitation>(stack, owner, `/hangouts/${id}/invitations`, 10);
    expect(items.map((i) => i.expiresAt)).toEqual([after?.expires_at.toISOString() ?? "missing"]);
  });

  test("the address signing up (in capitals) becomes a member, RSVP pending, with member.joined", async () => {
    const email = newAddress();
    const { id } = await createHangout(stack, owner);
    // Elsewhere the address was invited too, and made a member by hand meanwhile.
    const other = (await createHangout(stack, owner, { title: "Already in" })).id;
    await h.invite(owner, id, [email]);
    await h.invite(owner, other, [email]);
    const [invitation] = await h.rows(id);

    const newcomer = await h.signUp(email.toUpperCase());
    await addMember(stack, other, newcomer);
    // Every event after the sign-up is about `id`: none for `other`.
    let eventId = "";
    const events = await reader.eventsOf(id, async () => {
      eventId = await h.announceAndWait(newcomer.id);
    });
    expect(events).toEqual([
      [
        "member.joined.v1",
        { hangoutId: id, userId: newcomer.id, invitationId: invitation?.id ?? "missing" },
      ],
    ]);

    const mine = await getHangout(stack, newcomer, id);
    expect({ memberCount: mine.memberCount, myRsvp: mine.myRsvp }).toEqual({
      memberCount: 2,
      myRsvp: "pending",
    });
    expect((await getHangout(stack, owner, other)).memberCount).toBe(2);
    expect(await h.rows(id)).toEqual([]);
    expect(await h.rows(other)).toEqual([]);
    const { items } = await walk<Invitation>(stack, owner, `/hangouts/${id}/invitations`, 10);
    expect(items).toEqual([]);

    // The same event again (a redelivery) finds its inbox row: no second effect.
    const duplicates = await h.consumed("duplicate");
    const lastSeq = await reader.lastSeq();
    await h.announce(newcomer.id, eventId);
    await until(async () => (await h.consumed("duplicate")) > duplicates, 15_000, "the duplicate");
    expect(await reader.lastSeq()).toBe(lastSeq);
    expect(
      await count(stack, "SELECT COUNT(*) AS n FROM members WHERE user_id = ?", [newcomer.id]),
    ).toBe(2);
    expect((await getHangout(stack, owner, id)).memberCount).toBe(2);
  });

  test("a sign-up auth does not know (deleted since) has nothing to take up", async () => {
    const { id } = await createHangout(stack, owner);
    await h.invite(owner, id, [newAddress()]);
    const events = await reader.eventsOf(id, () => h.announceAndWait(Bun.randomUUIDv7()));
    expect(events).toEqual([]);
    expect(await h.rows(id)).toHaveLength(1);
  });

  test("deleting the hangout drops its pending invitations", async () => {
    const { id } = await createHangout(stack, owner);
    await h.invite(owner, id, [newAddress(), newAddress()]);
    expect(await h.rows(id)).toHaveLength(2);
    await expectStatus(stack.as(owner).delete(`/hangouts/${id}`), 204);
    expect(await h.rows(id)).toEqual([]);
  });

  // Last: it moves the stack's clock past every invitation made so far.
  test("an expired invitation is never honoured, and the sweeper deletes it", async () => {
    const { id } = await createHangout(stack, owner);
    const [lapsed, renewed] = [newAddress(), newAddress()];
    await h.invite(owner, id, [lapsed, renewed]);
    const [lapsedRow, renewedRow] = await h.rows(id);
    stack.advance(TTL_DAYS * 86_400 + 1);

    const { items } = await walk<Invitation>(stack, owner, `/hangouts/${id}/invitations`, 10);
    expect(items).toEqual([]);
    const newcomer = await h.signUp(lapsed);
    expect(await reader.eventsOf(id, () => h.announceAndWait(newcomer.id))).toEqual([]);
    expect(
      await count(stack, "SELECT COUNT(*) AS n FROM members WHERE user_id = ?", [newcomer.id]),
    ).toBe(0);

    // Invited again after expiry: a new invitation, told anew.
    const again = await reader.eventsOf(id, () => h.invite(owner, id, [renewed]));
    const fresh = (await h.rows(id)).find((row) => row.email === renewed.toLowerCase());
    expect(fresh?.id).not.toBe(renewedRow?.id ?? "missing");
    expect(again).toEqual([
      [
        "member.invited.v1",
        {
          hangoutId: id,
          invitedBy: owner.id,
          invitee: { invitationId: fresh?.id, email: renewed.toLowerCase() },
        },
      ],
    ]);

    const { hangout } = stack;
    await sweeperTask(
      hangout.deps.memories,
      hangout.deps.invitations,
      hangout.config,
      hangout.deps.clock,
      hangout.platform.logger,
    ).run();
    expect((await h.rows(id)).map((row) => row.id)).toEqual([fresh?.id ?? "missing"]);
    expect(lapsedRow?.email).toBe(lapsed.toLowerCase());
  });
});
