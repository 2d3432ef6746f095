import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { addMember, createHangout, inFlight, type ProblemBody } from "./fixtures.ts";
import { type Stack, startStackWithPeople, type TestUser } from "./harness.ts";

interface Activity {
  id: string;
  title: string;
  notes: string | null;
  proposedBy: string;
  votes: number;
  votedByMe: boolean;
  createdAt: string;
}

let stack: Stack;
let owner: TestUser;
let friend: TestUser;
let stranger: TestUser;
let hangoutId: string;

const newHangout = async (user: TestUser) => (await createHangout(stack, user)).id;

async function propose(
  user: TestUser,
  id: string,
  body: unknown,
  headers?: Record<string, string>,
) {
  return stack.as(user).post(`/hangouts/${id}/activities`, body, headers);
}

async function list(user: TestUser, id = hangoutId) {
  const res = await stack.as(user).get(`/hangouts/${id}/activities`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: Activity[] }).items;
}

const votePath = (activityId: string, id = hangoutId) =>
  `/hangouts/${id}/activities/${activityId}/vote`;

beforeAll(async () => {
  ({ stack, owner, friend, stranger } = await startStackWithPeople());
  hangoutId = await newHangout(owner);
  await addMember(stack, hangoutId, friend);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe("proposing", () => {
  test("201 with the activity's shape", async () => {
    const res = await propose(owner, hangoutId, { title: "Bowling" });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Activity;
    expect(body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      title: "Bowling",
      notes: null,
      proposedBy: owner.id,
      votes: 0,
      votedByMe: false,
      createdAt: expect.any(String),
    });
    expect(new Date(body.createdAt).toISOString()).toBe(body.createdAt);
  });

  test("a member who is not the owner may propose", async () => {
    const res = await propose(friend, hangoutId, { title: "Karaoke", notes: "bring songs" });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ proposedBy: friend.id, notes: "bring songs" });
  });

  test.each([
    ["empty title", { title: "" }, "/title"],
    ["whitespace title", { title: "   " }, "/title"],
    ["121-character title", { title: "x".repeat(121) }, "/title"],
    ["2001-character notes", { title: "ok", notes: "n".repeat(2001) }, "/notes"],
    ["a control character in the title", { title: "bell\u0007" }, "/title"],
    ["a control character in the notes", { title: "ok", notes: "esc\u001b" }, "/notes"],
    ["a missing title", { notes: "hi" }, "/title"],
  ])("422 for %s", async (_name, body, path) => {
    const res = await propose(owner, hangoutId, body);
    expect(res.status).toBe(422);
    const problem = (await res.json()) as ProblemBody;
    expect(problem.errors?.map((e) => e.path)).toContain(path);
  });

  test("limits are inclusive: 120-character title and 2000-character notes", async () => {
    const res = await propose(owner, hangoutId, {
      title: "t".repeat(120),
      notes: "n".repeat(2000),
    });
    expect(res.status).toBe(201);
  });

  test("tab and newlines in notes are kept verbatim; markup is just text", async () => {
    const notes = "line 1\nline 2\r\n\tindented";
    const title = "<script>alert(1)</script>";
    const res = await propose(owner, hangoutId, { title, notes });
    expect(res.status).toBe(201);
    const created = (await res.json()) as Activity;
    expect(created).toMatchObject({ title, notes });
    const again = (await list(owner)).find((a) => a.id === created.id);
    expect(again).toMatchObject({ title, notes });
    expect(res.headers.get("content-type")).toContain("application/json");
  });
});

describe("listing and voting", () => {
  let id: string;
  let a: Activity;
  let b: Activity;
  let c: Activity;
  let d: Activity;

  beforeAll(async () => {
    id = await newHangout(owner);
    await addMember(stack, id, friend);
    const make = async (title: string) => {
      stack.advance(1);
      return (await (await propose(owner, id, { title })).json()) as Activity;
    };
    a = await make("A");
    b = await make("B");
    c = await make("C");
    d = await make("D");
  });

  test("unvoted activities come oldest first", async () => {
    expect((await list(owner, id)).map((x) => x.title)).toEqual(["A", "B", "C", "D"]);
  });

  test("voting twice counts once; votedByMe is per caller", async () => {
    expect((await stack.as(friend).put(votePath(c.id, id))).status).toBe(204);
    expect((await stack.as(friend).put(votePath(c.id, id))).status).toBe(204);
    const forFriend = (await list(friend, id)).find((x) => x.id === c.id);
    expect(forFriend).toMatchObject({ votes: 1, votedByMe: true });
    const forOwner = (await list(owner, id)).find((x) => x.id === c.id);
    expect(forOwner).toMatchObject({ votes: 1, votedByMe: false });
  });

  test("sorted by votes, then age", async () => {
    await stack.as(owner).put(votePath(c.id, id));
    await stack.as(owner).put(votePath(d.id, id));
    // C: 2, D: 1, A and B: 0 (A older)
    const items = await list(owner, id);
    expect(items.map((x) => [x.title, x.votes])).toEqual([
      ["C", 2],
      ["D", 1],
      ["A", 0],
      ["B", 0],
    ]);
    expect(items.map((x) => x.votedByMe)).toEqual([true, true, false, false]);
  });

  test("unvoting twice is fine and counts once", async () => {
    expect((await stack.as(owner).delete(votePath(c.id, id))).status).toBe(204);
    expect((await stack.as(owner).delete(votePath(c.id, id))).status).toBe(204);
    // never voted: still 204 and nothing changes
    expect((await stack.as(owner).delete(votePath(a.id, id))).status).toBe(204);
    const items = await list(owner, id);
    expect(items.find((x) => x.id === c.id)).toMatchObject({ votes: 1, votedByMe: false });
    expect(items.find((x) => x.id === a.id)).toMatchObject({ votes: 0, votedByMe: false });
    const [[row]] = (await stack.db.query("SELECT COUNT(*) AS n FROM votes WHERE activity_id = ?", [
      c.id,
    ])) as unknown as [[{ n: number }]];
    expect(Number(row.n)).toBe(1);
  });

  test("five concurrent votes from one user count once", async () => {
    const results = await Promise.all(
      Array.from({ length: 5 }, () => stack.as(owner).put(votePath(b.id, id))),
    );
    expect(results.map((r) => r.status)).toEqual([204, 204, 204, 204, 204]);
    expect((await list(owner, id)).find((x) => x.id === b.id)).toMatchObject({
      votes: 1,
      votedByMe: true,
    });
  });

  test("concurrent votes and unvotes keep the count in step with the votes", async () => {
    const api = stack.as(friend);
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        i % 2 ? api.put(votePath(a.id, id)) : api.delete(votePath(a.id, id)),
      ),
    );
    const [[row]] = (await stack.db.query(
      "SELECT vote_count AS c, (SELECT COUNT(*) FROM votes WHERE activity_id = a.id) AS n FROM activities a WHERE id = ?",
      [a.id],
    )) as unknown as [[{ c: number; n: number }]];
    expect(Number(row.c)).toBe(Number(row.n));
  });

  test("an unknown, malformed or other hangout's activity is 404", async () => {
    const other = await newHangout(owner);
    const foreign = (await (
      await propose(owner, other, { title: "Elsewhere" })
    ).json()) as Activity;
    for (const activityId of ["00000000-0000-4000-8000-000000000000", "not-a-uuid", foreign.id]) {
      expect((await stack.as(owner).put(votePath(activityId, id))).status).toBe(404);
      expect((await stack.as(owner).delete(votePath(activityId, id))).status).toBe(404);
    }
    expect((await list(owner, other))[0]).toMatchObject({ votes: 0 });
  });
});

describe("non-members", () => {
  test("get 404 on all four routes", async () => {
    const activity = (await (
      await propose(owner, hangoutId, { title: "Secret" })
    ).json()) as Activity;
    const api = stack.as(stranger);
    const responses = [
      await api.post(`/hangouts/${hangoutId}/activities`, { title: "Intrude" }),
      await api.get(`/hangouts/${hangoutId}/activities`),
      await api.put(votePath(activity.id)),
      await api.delete(votePath(activity.id)),
    ];
    expect(responses.map((r) => r.status)).toEqual([404, 404, 404, 404]);
    expect((await list(owner)).find((x) => x.id === activity.id)?.votes).toBe(0);
    expect((await list(owner)).some((x) => x.title === "Intrude")).toBe(false);
  });

  test("a malformed hangout id is 404", async () => {
    expect((await stack.as(owner).get("/hangouts/nope/activities")).status).toBe(404);
  });

  test("no token is 401", async () => {
    expect((await stack.as().get(`/hangouts/${hangoutId}/activities`)).status).toBe(401);
  });
});

describe("Idempotency-Key", () => {
  test("same key and body replays the same response", async () => {
    const headers = { "idempotency-key": `k-${crypto.randomUUID()}` };
    const body = { title: "Picnic", notes: "blanket" };
    const first = await propose(owner, hangoutId, body, headers);
    expect(first.status).toBe(201);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const second = await propose(owner, hangoutId, body, headers);
    expect(second.status).toBe(201);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    const a = (await first.json()) as Activity;
    expect(await second.json()).toEqual(a);
    expect((await list(owner)).filter((x) => x.title === "Picnic")).toHaveLength(1);
  });

  test("same key with another body is 422", async () => {
    const headers = { "idempotency-key": `k-${crypto.randomUUID()}` };
    expect((await propose(owner, hangoutId, { title: "One" }, headers)).status).toBe(201);
    const res = await propose(owner, hangoutId, { title: "Two" }, headers);
    expect(res.status).toBe(422);
    expect((await list(owner)).some((x) => x.title === "Two")).toBe(false);
  });

  test("a repeat while the first is in flight is 409", async () => {
    const key = `k-${crypto.randomUUID()}`;
    const body = { title: "Inflight" };
    await inFlight(stack, owner, key, `POST /hangouts/${hangoutId}/activities`, body);
    const res = await propose(owner, hangoutId, body, { "idempotency-key": key });
    expect(res.status).toBe(409);
  });

  test("a failed request (non-member) releases the key", async () => {
    const headers = { "idempotency-key": `k-${crypto.randomUUID()}` };
    expect((await propose(stranger, hangoutId, { title: "X" }, headers)).status).toBe(404);
    expect((await propose(stranger, hangoutId, { title: "X" }, headers)).status).toBe(404);
  });
});
