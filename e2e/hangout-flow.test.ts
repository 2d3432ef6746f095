import { afterAll, beforeAll, expect, test } from "bun:test";
import { sha256Base64, testImage } from "@hangout/platform/testing/images";
import { type Stack, startStack } from "../services/hangout/test/harness.ts";

let stack: Stack;
beforeAll(async () => {
  // The real media worker: confirmed photos become ready on their own.
  stack = await startStack({}, { media: true });
});
afterAll(() => stack.stop());

interface Upload {
  memoryId: string;
  url: string;
  method: string;
  headers: Record<string, string>;
}

test("three friends plan a hangout, vote, share two photos and clean up", async () => {
  const [alice, bob, carol] = [
    await stack.user("Alice"),
    await stack.user("Bob"),
    await stack.user("Carol"),
  ];
  const [a, b, c] = [stack.as(alice), stack.as(bob), stack.as(carol)];

  const hangout = (await (
    await a.post("/hangouts", {
      title: "Lake weekend",
      location: { name: "Lake Tahoe", lat: 39.09, lng: -120.03 },
      startsAt: "2027-06-12T09:00:00+02:00",
      endsAt: "2027-06-13T18:00:00+02:00",
    })
  ).json()) as { id: string; startsAt: string };
  expect(hangout.startsAt).toBe("2027-06-12T07:00:00.000Z");
  const base = `/hangouts/${hangout.id}`;

  const invites = await a.post(`${base}/invites`, {
    emails: [bob.email, carol.email.toUpperCase(), "nobody@example.com"],
  });
  expect(invites.status).toBe(200);
  const invited = (await invites.json()) as { invited: string[]; pendingEmails: string[] };
  expect(invited.invited.sort()).toEqual([bob.id, carol.id].sort());
  expect(invited.pendingEmails).toEqual(["nobody@example.com"]);

  expect((await b.put(`${base}/rsvp`, { rsvp: "going" })).status).toBe(200);
  expect((await c.put(`${base}/rsvp`, { rsvp: "maybe" })).status).toBe(200);
  const members = (await (await a.get(`${base}/members`)).json()) as {
    items: { name: string; rsvp: string }[];
  };
  expect(members.items.map((m) => `${m.name}:${m.rsvp}`).sort()).toEqual([
    "Alice:going",
    "Bob:going",
    "Carol:maybe",
  ]);

  const swim = (await (await b.post(`${base}/activities`, { title: "Swim" })).json()) as {
    id: string;
  };
  const hike = (await (
    await c.post(`${base}/activities`, { title: "Hike", notes: "bring water" })
  ).json()) as { id: string };
  for (const api of [a, c])
    expect((await api.put(`${base}/activities/${hike.id}/vote`)).status).toBe(204);
  expect((await b.put(`${base}/activities/${swim.id}/vote`)).status).toBe(204);
  const activities = (await (await a.get(`${base}/activities`)).json()) as {
    items: { title: string; votes: number; votedByMe: boolean }[];
  };
  expect(activities.items.map((x) => [x.title, x.votes, x.votedByMe])).toEqual([
    ["Hike", 2, true],
    ["Swim", 1, false],
  ]);

  const photos = { jpg: await testImage("jpg"), png: await testImage("png") };
  const uploads = (await (
    await b.post(`${base}/memories/uploads`, {
      files: [
        {
          filename: "lake.jpg",
          contentType: "image/jpeg",
          size: photos.jpg.length,
          sha256: sha256Base64(photos.jpg),
        },
        {
          filename: "group.png",
          contentType: "image/png",
          size: photos.png.length,
          sha256: sha256Base64(photos.png),
        },
      ],
    })
  ).json()) as { uploads: Upload[] };
  const bodies = [photos.jpg, photos.png];
  for (const [i, upload] of uploads.uploads.entries()) {
    expect(
      (await fetch(upload.url, { method: upload.method, headers: upload.headers, body: bodies[i] }))
        .status,
    ).toBe(200);
  }
  const confirm = (await (
    await b.post(`${base}/memories/confirm`, { memoryIds: uploads.uploads.map((u) => u.memoryId) })
  ).json()) as { confirmed: unknown[]; failed: unknown[] };
  expect(confirm).toMatchObject({ failed: [] });
  expect(confirm.confirmed).toHaveLength(2);

  // Processing (quarantine, scan, variants) ends on its own; members see each photo ready.
  type Listed = {
    id: string;
    filename: string;
    status: string;
    url: string;
    thumbnail: { url: string; contentType: string } | null;
  };
  let memories: { items: Listed[] } = { items: [] };
  for (let i = 0; i < 300; i++) {
    memories = (await (await c.get(`${base}/memories`)).json()) as { items: Listed[] };
    if (memories.items.every((m) => m.status === "ready")) break;
    await Bun.sleep(100);
  }
  expect(memories.items.map((m) => [m.filename, m.status])).toEqual([
    ["group.png", "ready"],
    ["lake.jpg", "ready"],
  ]);
  for (const memory of memories.items) {
    // The served copy is the picture without metadata, in the uploaded format.
    const served = await fetch(memory.url);
    expect(served.status).toBe(200);
    const bytes = new Uint8Array(await served.arrayBuffer());
    const magic = memory.filename === "lake.jpg" ? [0xff, 0xd8, 0xff] : [0x89, 0x50, 0x4e, 0x47];
    expect([...bytes.subarray(0, magic.length)]).toEqual(magic);
    expect(memory.thumbnail?.contentType).toBe("image/webp");
    const thumb = new Uint8Array(await (await fetch(memory.thumbnail!.url)).arrayBuffer());
    expect(new TextDecoder().decode(thumb.subarray(8, 12))).toBe("WEBP");
  }

  // Carol may not delete Bob's photo; Alice (the owner) may.
  const lake = memories.items.find((m) => m.filename === "lake.jpg")!;
  expect((await c.delete(`/memories/${lake.id}`)).status).toBe(403);
  expect((await a.delete(`/memories/${lake.id}`)).status).toBe(204);
  expect((await fetch(lake.url)).status).toBe(404);
  expect((await fetch(lake.thumbnail!.url)).status).toBe(404);

  const group = memories.items.find((m) => m.filename === "group.png")!;
  expect((await a.delete(base)).status).toBe(204);
  expect((await b.get(base)).status).toBe(404);
  expect((await fetch(group.url)).status).toBe(404);
});
