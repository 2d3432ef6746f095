import { describe, expect, mock, test } from "bun:test";
import type { LiveChange } from "../../api/live.ts";
import { ApiError, toApiError } from "../../api/problem.ts";
import type { Activity, Member } from "../../api/types.ts";
import { applyChange, type LiveTarget } from "./apply-change.ts";
import { namingAddresses, splitEmails } from "./emails.ts";
import { upsert } from "./use-section.ts";

const ME = "11111111-1111-4111-8111-111111111111";
const OTHER = "22222222-2222-4222-8222-222222222222";

function target(isOwner = false) {
  return {
    myId: ME,
    isOwner,
    setHangout: mock(),
    reload: mock(),
    end: mock(),
    upsertMember: mock(),
    removeMember: mock(),
    loadMembers: mock(),
    loadInvitations: mock(),
    upsertActivity: mock(),
    loadActivities: mock(),
    memoryChanged: mock(),
  } satisfies LiveTarget;
}

const change = (type: string, rest: Record<string, unknown> = {}): LiveChange => ({
  type,
  actorId: OTHER,
  hangoutId: "h",
  ...rest,
});

describe("applyChange", () => {
  test("a resource the change carries replaces the page's copy", () => {
    const to = target();
    const member = { userId: OTHER, name: "Bo", role: "member", rsvp: "going" } as Member;
    const activity = { id: "a", title: "Bowling", votes: 2 } as Activity;
    applyChange(change("hangout.updated", { hangout: { id: "h" } }), to);
    applyChange(change("rsvp.changed", { member }), to);
    applyChange(change("activity.voted", { activity }), to);
    expect(to.setHangout).toHaveBeenCalledWith({ id: "h" });
    expect(to.upsertMember).toHaveBeenCalledWith(member);
    expect(to.upsertActivity).toHaveBeenCalledWith(activity);
  });

  test("a change without its resource loads that section again", () => {
    const to = target();
    applyChange(change("hangout.status-changed"), to);
    applyChange(change("member.joined"), to);
    applyChange(change("activity.proposed"), to);
    expect(to.reload).toHaveBeenCalledTimes(1);
    expect(to.loadMembers).toHaveBeenCalledTimes(1);
    expect(to.loadActivities).toHaveBeenCalledTimes(1);
  });

  test("someone else leaving is taken off the list; the caller leaving ends the page", () => {
    const to = target();
    applyChange(change("member.left", { userId: OTHER }), to);
    applyChange(change("member.removed", { userId: ME }), to);
    applyChange(change("hangout.deleted"), to);
    expect(to.removeMember).toHaveBeenCalledWith(OTHER);
    expect(to.end.mock.calls).toEqual([["removed"], ["deleted"]]);
  });

  test("the owner's pending invitations are read again when someone joins", () => {
    const owner = target(true);
    const member = { userId: OTHER, name: "Bo", role: "member", rsvp: "pending" } as Member;
    applyChange(change("member.joined", { member }), owner);
    applyChange(change("member.invited", { member }), owner);
    expect(owner.loadInvitations).toHaveBeenCalledTimes(1);
    const member2 = target(false);
    applyChange(change("member.joined", { member }), member2);
    expect(member2.loadInvitations).not.toHaveBeenCalled();
  });

  test("each memory change reaches the photos as a new object", () => {
    const to = target();
    const added = change("memory.added", { memory: { id: "m" } });
    applyChange(added, to);
    const passed = to.memoryChanged.mock.calls[0]?.[0];
    expect(passed).toEqual(added);
    expect(passed).not.toBe(added);
  });
});

describe("invite addresses", () => {
  test("split on commas, semicolons, spaces and new lines, once each", () => {
    expect(splitEmails(" a@x.io, b@x.io;c@x.io\n\nd@x.io  a@x.io ")).toEqual([
      "a@x.io",
      "b@x.io",
      "c@x.io",
      "d@x.io",
    ]);
    expect(splitEmails(" ,\n ")).toEqual([]);
  });

  test("the API's errors by index name the address, all under the field", () => {
    const error = toApiError(422, {
      type: "about:blank",
      title: "The request has invalid fields",
      status: 422,
      errors: [
        { path: "/emails/1", message: "must be an email address" },
        { path: "/emails/2", message: "must be an email address" },
      ],
    });
    const named = namingAddresses(error, ["a@x.io", "nope", "also-nope"]) as ApiError;
    expect(named).toBeInstanceOf(ApiError);
    expect(named.fields()).toEqual({
      emails: "nope: must be an email address; also-nope: must be an email address",
    });
  });
});

test("upsert replaces the item it finds, else adds it at the end", () => {
  const same = (id: string) => (item: { id: string }) => item.id === id;
  const list = [
    { id: "a", n: 1 },
    { id: "b", n: 1 },
  ];
  expect(upsert(list, { id: "b", n: 2 }, same("b"))).toEqual([
    { id: "a", n: 1 },
    { id: "b", n: 2 },
  ]);
  expect(upsert(list, { id: "c", n: 1 }, same("c")).map((i) => i.id)).toEqual(["a", "b", "c"]);
});
