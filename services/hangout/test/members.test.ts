import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHangout, expectProblem, getHangout, walk } from "./fixtures.ts";
import { type Stack, startStack, type TestUser } from "./harness.ts";

interface Member {
  userId: string;
  name: string;
  role: string;
  rsvp: string;
}
interface InviteResult {
  invited: string[];
  alreadyMembers: string[];
  pendingEmails: string[];
}

describe("members", () => {
  let stack: Stack;
  let owner: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let stranger: TestUser;
  let id: string;

  beforeAll(async () => {
    stack = await startStack();
    [owner, bob, carol, stranger] = await Promise.all([
      stack.user("Olivia Owner"),
      stack.user("Bob"),
      stack.user("Carol"),
      stack.user("Stranger"),
    ]);
    id = (await createHangout(stack, owner)).id;
  });
  afterAll(() => stack?.stop());

  test("invite finds users by email, case-insensitively; unknown addresses are pending", async () => {
    const unknown = `nobody-${Date.now()}@example.com`;
    const response = await stack.as(owner).post(`/hangouts/${id}/invites`, {
      emails: [bob.email.toUpperCase(), carol.email, unknown],
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as InviteResult;
    expect(body.invited.sort()).toEqual([bob.id, carol.id].sort());
    expect(body.alreadyMembers).toEqual([]);
    expect(body.pendingEmails).toEqual([unknown]);
    expect((await getHangout(stack, owner, id)).memberCount).toBe(3);
    expect((await getHangout(stack, bob, id)).myRsvp).toBe("pending");
  });

  test("inviting again reports already members and leaves the count alone", async () => {
    const response = await stack
      .as(owner)
      .post(`/hangouts/${id}/invites`, { emails: [bob.email, owner.email] });
    expect(response.status).toBe(200);
    const body = (await response.json()) as InviteResult;
    expect(body.invited).toEqual([]);
    expect(body.alreadyMembers.sort()).toEqual([bob.id, owner.id].sort());
    expect(body.pendingEmails).toEqual([]);
    expect((await getHangout(stack, owner, id)).memberCount).toBe(3);
  });

  test("the member list walks pages and names everyone once", async () => {
    const { items, pages } = await walk<Member>(stack, bob, `/hangouts/${id}/members`, 1);
    expect(pages).toBe(3);
    expect(items.map((m) => m.userId).sort()).toEqual([owner.id, bob.id, carol.id].sort());
    expect(items[0]).toEqual({
      userId: owner.id,
      name: "Olivia Owner",
      role: "owner",
      rsvp: "going",
    });
    const byId = new Map(items.map((m) => [m.userId, m]));
    expect(byId.get(bob.id)).toMatchObject({ name: "Bob", role: "member", rsvp: "pending" });
    expect(byId.get(carol.id)).toMatchObject({ name: "Carol", role: "member", rsvp: "pending" });
    const one = await walk<Member>(stack, bob, `/hangouts/${id}/members`, 100);
    expect(one.pages).toBe(1);
    expect(one.items).toEqual(items);
  });

  test("a bad cursor is 422", async () => {
    const body = await expectProblem(
      await stack.as(bob).get(`/hangouts/${id}/members?cursor=nonsense`),
      422,
    );
    expect(body.errors?.[0]?.path).toBe("/cursor");
  });

  test("RSVP is set and shows in the hangout", async () => {
    const response = await stack.as(bob).put(`/hangouts/${id}/rsvp`, { rsvp: "maybe" });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      userId: bob.id,
      name: "Bob",
      role: "member",
      rsvp: "maybe",
    });
    expect((await getHangout(stack, bob, id)).myRsvp).toBe("maybe");
    const again = await stack.as(bob).put(`/hangouts/${id}/rsvp`, { rsvp: "going" });
    expect(((await again.json()) as Member).rsvp).toBe("going");
    expect((await getHangout(stack, bob, id)).myRsvp).toBe("going");
  });

  test("invalid bodies are 422 with field paths", async () => {
    const api = stack.as(owner);
    for (const rsvp of ["pending", "yes", 1]) {
      const body = await expectProblem(await api.put(`/hangouts/${id}/rsvp`, { rsvp }), 422);
      expect(body.errors?.some((e) => e.path === "/rsvp")).toBe(true);
    }
    const empty = await expectProblem(
      await api.post(`/hangouts/${id}/invites`, { emails: [] }),
      422,
    );
    expect(empty.errors?.some((e) => e.path === "/emails")).toBe(true);
    const many = Array.from({ length: 51 }, (_, i) => `u${i}@example.com`);
    const tooMany = await expectProblem(
      await api.post(`/hangouts/${id}/invites`, { emails: many }),
      422,
    );
    expect(tooMany.errors?.some((e) => e.path === "/emails")).toBe(true);
    const invalid = await expectProblem(
      await api.post(`/hangouts/${id}/invites`, { emails: [bob.email, "not-an-email"] }),
      422,
    );
    expect(invalid.errors?.some((e) => e.path === "/emails/1")).toBe(true);
    expect((await getHangout(stack, owner, id)).memberCount).toBe(3);
  });

  test("a non-member gets 404 on every route", async () => {
    const api = stack.as(stranger);
    await expectProblem(
      await api.post(`/hangouts/${id}/invites`, { emails: [stranger.email] }),
      404,
    );
    await expectProblem(await api.get(`/hangouts/${id}/members`), 404);
    await expectProblem(await api.put(`/hangouts/${id}/rsvp`, { rsvp: "going" }), 404);
    await expectProblem(await api.delete(`/hangouts/${id}/members/${stranger.id}`), 404);
    await expectProblem(await api.delete(`/hangouts/${id}/members/${bob.id}`), 404);
    await expectProblem(await stack.as(owner).get("/hangouts/not-a-uuid/members"), 404);
  });

  test("a member cannot invite or remove others", async () => {
    const api = stack.as(bob);
    await expectProblem(
      await api.post(`/hangouts/${id}/invites`, { emails: [stranger.email] }),
      403,
    );
    await expectProblem(await api.delete(`/hangouts/${id}/members/${carol.id}`), 403);
    await expectProblem(await api.delete(`/hangouts/${id}/members/${owner.id}`), 403);
    expect((await getHangout(stack, owner, id)).memberCount).toBe(3);
  });

  test("the owner cannot leave", async () => {
    const body = await expectProblem(
      await stack.as(owner).delete(`/hangouts/${id}/members/${owner.id}`),
      409,
    );
    expect(body.detail).toContain("delete the hangout instead");
  });

  test("removing someone who is not a member is 404", async () => {
    const api = stack.as(owner);
    await expectProblem(await api.delete(`/hangouts/${id}/members/${stranger.id}`), 404);
    await expectProblem(await api.delete(`/hangouts/${id}/members/not-a-uuid`), 404);
  });

  test("a member can leave, and the owner can remove a member", async () => {
    expect((await stack.as(carol).delete(`/hangouts/${id}/members/${carol.id}`)).status).toBe(204);
    await expectProblem(await stack.as(carol).get(`/hangouts/${id}`), 404);
    expect((await getHangout(stack, owner, id)).memberCount).toBe(2);

    expect((await stack.as(owner).delete(`/hangouts/${id}/members/${bob.id}`)).status).toBe(204);
    await expectProblem(await stack.as(bob).get(`/hangouts/${id}`), 404);
    await expectProblem(await stack.as(owner).delete(`/hangouts/${id}/members/${bob.id}`), 404);
    const after = await getHangout(stack, owner, id);
    expect(after.memberCount).toBe(1);
    const { items } = await walk<Member>(stack, owner, `/hangouts/${id}/members`, 10);
    expect(items.map((m) => m.userId)).toEqual([owner.id]);

    // Invited again after leaving: a member once more.
    const again = await stack.as(owner).post(`/hangouts/${id}/invites`, { emails: [carol.email] });
    expect(((await again.json()) as InviteResult).invited).toEqual([carol.id]);
    expect((await getHangout(stack, owner, id)).memberCount).toBe(2);
  });
});

describe("members with auth's UserDirectory unreachable", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ AUTH_GRPC_TARGET: "localhost:1", GRPC_TIMEOUT_MS: "1000" });
  });
  afterAll(() => stack?.stop());

  test("invite is 503 and writes nothing", async () => {
    const [owner, bob] = await Promise.all([stack.user("Owner"), stack.user("Bob")]);
    const id = (await createHangout(stack, owner)).id;
    const body = await expectProblem(
      await stack.as(owner).post(`/hangouts/${id}/invites`, { emails: [bob.email] }),
      503,
    );
    expect(body.detail).toContain("auth");
    expect((await getHangout(stack, owner, id)).memberCount).toBe(1);
    await expectProblem(await stack.as(bob).get(`/hangouts/${id}`), 404);
    // Listing needs names from auth too.
    await expectProblem(await stack.as(owner).get(`/hangouts/${id}/members`), 503);
  });
});
