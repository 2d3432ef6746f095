/**
 * The events hangout writes to its outbox: each state change appends exactly its events, in the
 * transaction of the change (events-refused.test.ts: none for a change that does not happen).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { addMember, createHangout, END, invite, query, START, uploadMemories } from "./fixtures.ts";
import type { Stack, TestUser } from "./harness.ts";
import { startStackWithPeople } from "./harness.ts";
import { expectStatus, outboxReader, TYPE } from "./outbox-reader.ts";

let stack: Stack;
let owner: TestUser;
let friend: TestUser;
let stranger: TestUser;
let reader: ReturnType<typeof outboxReader>;
const eventsOf = (...args: Parameters<typeof reader.eventsOf>) => reader.eventsOf(...args);

beforeAll(async () => {
  ({ stack, owner, friend, stranger } = await startStackWithPeople());
  reader = outboxReader(stack, [owner, friend, stranger]);
});

afterAll(async () => {
  await stack?.stop();
});

describe("each change writes its events", () => {
  test("creating a hangout: hangout.created, with the request's trace context", async () => {
    const before = await reader.lastSeq();
    const hangout = await createHangout(stack, owner, {
      title: "Picnic",
      endsAt: END,
      location: { name: "The park", address: "1 Main St" },
    });
    const [event, signal, ...rest] = await reader.eventsSince(before, hangout.id);
    expect(rest).toEqual([]);
    expect(event?.type).toBe(`${TYPE}hangout.created.v1`);
    // Last in the same transaction: the other replicas' cue to read the live change.
    expect(signal?.type).toBe(`${TYPE}hangout.live-changed.v1`);
    expect(signal?.data).toEqual({ hangoutId: hangout.id, position: expect.any(Number) });
    expect(event?.data).toEqual({
      hangoutId: hangout.id,
      ownerId: owner.id,
      title: "Picnic",
      startsAt: START,
      endsAt: END,
      locationName: "The park",
      status: "planning",
    });
    expect(event?.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/);
    const [row] = await reader.rowsAfter(before);
    expect(row?.traceparent).toBe(event?.traceparent ?? "missing");
  });

  test("editing: hangout.updated names what changed; a status move is its own event", async () => {
    const { id } = await createHangout(stack, owner, { endsAt: END });
    const patch = (body: Record<string, unknown>) =>
      expectStatus(stack.as(owner).patch(`/hangouts/${id}`, body), 200);
    const base = { hangoutId: id, actorId: owner.id };

    expect(
      await eventsOf(id, () =>
        patch({ title: "Weekend", description: "Bring food", endsAt: null, status: "confirmed" }),
      ),
    ).toEqual([
      [
        "hangout.updated.v1",
        {
          ...base,
          changed: ["description", "endsAt"],
          title: "Weekend",
          startsAt: START,
          endsAt: null,
          locationName: null,
        },
      ],
      [
        "hangout.status-changed.v1",
        { ...base, from: "planning", to: "confirmed", title: "Weekend", startsAt: START },
      ],
    ]);
    // The same values again change nothing, so nothing is told.
    expect(await eventsOf(id, () => patch({ title: "Weekend", status: "confirmed" }))).toEqual([]);
    expect(await eventsOf(id, () => patch({ location: { name: "Lake" } }))).toEqual([
      [
        "hangout.updated.v1",
        {
          ...base,
          changed: ["location"],
          title: "Weekend",
          startsAt: START,
          endsAt: null,
          locationName: "Lake",
        },
      ],
    ]);
    expect(await eventsOf(id, () => patch({ status: "done" }))).toEqual([
      [
        "hangout.status-changed.v1",
        { ...base, from: "confirmed", to: "done", title: "Weekend", startsAt: START },
      ],
    ]);
  });

  test("members: invited (a user by id, an address with no account by address), RSVP changed, left, removed", async () => {
    const { id } = await createHangout(stack, owner);
    const invited = await eventsOf(id, async () => {
      const response = await stack.as(owner).post(`/hangouts/${id}/invites`, {
        emails: [friend.email.toUpperCase(), "Nobody-Here@example.com", owner.email],
      });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { pendingEmails: string[] }).pendingEmails).toEqual([
        "Nobody-Here@example.com",
      ]);
    });
    const [invitation] = await query<{ id: string }>(
      stack,
      "SELECT id FROM pending_invitations WHERE hangout_id = ?",
      [id],
    );
    expect(invited).toEqual([
      ["member.invited.v1", { hangoutId: id, invitedBy: owner.id, invitee: { userId: friend.id } }],
      [
        "member.invited.v1",
        {
          hangoutId: id,
          invitedBy: owner.id,
          invitee: { invitationId: invitation?.id, email: "nobody-here@example.com" },
        },
      ],
    ]);
    expect(await eventsOf(id, () => invite(stack, owner, id, [stranger]))).toEqual([
      [
        "member.invited.v1",
        { hangoutId: id, invitedBy: owner.id, invitee: { userId: stranger.id } },
      ],
    ]);
    // Inviting someone already in changes nothing.
    expect(
      await eventsOf(id, () =>
        expectStatus(
          stack.as(owner).post(`/hangouts/${id}/invites`, { emails: [friend.email] }),
          200,
        ),
      ),
    ).toEqual([]);

    const rsvp = (value: string) =>
      expectStatus(stack.as(friend).put(`/hangouts/${id}/rsvp`, { rsvp: value }), 200);
    expect(await eventsOf(id, () => rsvp("going"))).toEqual([
      ["rsvp.changed.v1", { hangoutId: id, userId: friend.id, from: "pending", to: "going" }],
    ]);
    expect(await eventsOf(id, () => rsvp("going"))).toEqual([]);
    expect(await eventsOf(id, () => rsvp("declined"))).toEqual([
      ["rsvp.changed.v1", { hangoutId: id, userId: friend.id, from: "going", to: "declined" }],
    ]);

    const remove = (who: TestUser, userId: string) =>
      expectStatus(stack.as(who).delete(`/hangouts/${id}/members/${userId}`), 204);
    expect(await eventsOf(id, () => remove(friend, friend.id))).toEqual([
      ["member.left.v1", { hangoutId: id, userId: friend.id }],
    ]);
    expect(await eventsOf(id, () => remove(owner, stranger.id.toUpperCase()))).toEqual([
      ["member.removed.v1", { hangoutId: id, userId: stranger.id, removedBy: owner.id }],
    ]);
  });

  test("activities: proposed; votes are not events", async () => {
    const { id } = await createHangout(stack, owner);
    await addMember(stack, id, friend);
    let activityId = "";
    expect(
      await eventsOf(id, async () => {
        const response = await stack
          .as(friend)
          .post(`/hangouts/${id}/activities`, { title: "Frisbee", notes: "bring one" });
        expect(response.status).toBe(201);
        activityId = ((await response.json()) as { id: string }).id;
      }),
    ).toEqual([
      [
        "activity.proposed.v1",
        { hangoutId: id, activityId, proposedBy: friend.id, title: "Frisbee" },
      ],
    ]);
    expect(
      await eventsOf(id, () =>
        expectStatus(stack.as(owner).put(`/hangouts/${id}/activities/${activityId}/vote`), 204),
      ),
    ).toEqual([]);
  });

  test("memories: added once confirmed (by a request or the sweeper), removed when deleted", async () => {
    const { id } = await createHangout(stack, owner);
    await addMember(stack, id, friend);
    const memoryRow = async (memoryId: string) =>
      (
        await query<{ file_id: string; size: number; content_type: string }>(
          stack,
          "SELECT file_id, size, content_type FROM memories WHERE id = ?",
          [memoryId],
        )
      )[0];
    const added = async (memoryId: string): Promise<[string, unknown]> => {
      const row = await memoryRow(memoryId);
      return [
        "memory.added.v1",
        {
          hangoutId: id,
          memoryId,
          uploadedBy: friend.id,
          fileId: row?.file_id,
          contentType: row?.content_type,
          size: row?.size,
        },
      ];
    };

    let ids: string[] = [];
    const confirmed = await eventsOf(id, async () => {
      ids = await uploadMemories(stack, friend, id, { count: 2, format: "jpg" });
    });
    expect(confirmed).toEqual([await added(ids[0] ?? ""), await added(ids[1] ?? "")]);

    // Uploaded but never confirmed by its uploader: the sweeper confirms it, and tells.
    let late: string[] = [];
    expect(
      await eventsOf(id, async () => {
        late = await uploadMemories(stack, friend, id, { confirm: false });
      }),
    ).toEqual([]);
    const { memories } = stack.hangout.deps;
    expect(await eventsOf(id, () => memories.sweep(new Date(Date.now() + 60_000)))).toEqual([
      await added(late[0] ?? ""),
    ]);

    const fileId = (await memoryRow(ids[0] ?? ""))?.file_id;
    expect(
      await eventsOf(id, () => expectStatus(stack.as(owner).delete(`/memories/${ids[0]}`), 204)),
    ).toEqual([
      ["memory.removed.v1", { hangoutId: id, memoryId: ids[0], fileId, removedBy: owner.id }],
    ]);
  });

  test("deleting: hangout.deleted with every member, and nothing for its memories", async () => {
    const { id } = await createHangout(stack, owner, { title: "Gone" });
    await invite(stack, owner, id, [friend]);
    await uploadMemories(stack, friend, id);
    expect(
      await eventsOf(id, () => expectStatus(stack.as(owner).delete(`/hangouts/${id}`), 204)),
    ).toEqual([
      [
        "hangout.deleted.v1",
        {
          hangoutId: id,
          actorId: owner.id,
          title: "Gone",
          startsAt: START,
          memberIds: [owner.id, friend.id],
        },
      ],
    ]);
  });
});
