import { afterAll, beforeAll, expect, test } from "bun:test";
import { type Stack, startStack } from "../services/hangout/test/harness.ts";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.stop());

test("create and read a hangout", async () => {
  const alice = await stack.user("Alice");
  const api = stack.as(alice);
  const created = await api.post("/hangouts", {
    title: "Picnic",
    startsAt: "2027-05-01T12:00:00Z",
  });
  expect(created.status).toBe(201);
  const body = (await created.json()) as { id: string; myRsvp: string; memberCount: number };
  expect(body).toMatchObject({ myRsvp: "going", memberCount: 1 });
  const got = await api.get(`/hangouts/${body.id}`);
  expect(got.status).toBe(200);
  const bob = await stack.user("Bob");
  expect((await stack.as(bob).get(`/hangouts/${body.id}`)).status).toBe(404);
  const list = (await (await api.get("/hangouts")).json()) as {
    items: unknown[];
    nextCursor: null;
  };
  expect(list.items).toHaveLength(1);
});
