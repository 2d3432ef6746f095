import { afterAll, beforeAll, expect, test } from "bun:test";
import { testImageFile } from "@hangout/platform/testing/images";
import { freePort } from "@hangout/platform/testing/ports";
import { createHangout, query } from "./fixtures.ts";
import { type Stack, startStack, type TestUser } from "./harness.ts";

// The hangout service points at a port where no file service answers.
let stack: Stack;
let owner: TestUser;
let hangoutId: string;

beforeAll(async () => {
  stack = await startStack({
    FILE_GRPC_TARGET: `localhost:${freePort()}`,
    GRPC_TIMEOUT_MS: "1000",
  });
  owner = await stack.user("Owner");
  hangoutId = (await createHangout(stack, owner, { title: "Offline" })).id;
});
afterAll(() => stack.stop());

test("uploads answer 503 problem+json and write nothing while the file service is down", async () => {
  const response = await stack.as(owner).post(`/hangouts/${hangoutId}/memories/uploads`, {
    files: [await testImageFile("jpg", { filename: "a.jpg" })],
  });
  expect(response.status).toBe(503);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  expect(response.headers.get("retry-after")).toBe("5");
  expect(await query(stack, "SELECT id FROM memories")).toEqual([]);
});

test("confirm answers 503 and leaves the memory pending for a retry", async () => {
  const memoryId = Bun.randomUUIDv7();
  await query(
    stack,
    "INSERT INTO memories (id, hangout_id, file_id, uploaded_by, filename, content_type, size, status, created_at) VALUES (?, ?, ?, ?, 'a.jpg', 'image/jpeg', 10, 'pending', UTC_TIMESTAMP(3))",
    [memoryId, hangoutId, Bun.randomUUIDv7(), owner.id],
  );
  const response = await stack
    .as(owner)
    .post(`/hangouts/${hangoutId}/memories/confirm`, { memoryIds: [memoryId] });
  expect(response.status).toBe(503);
  expect(await query(stack, "SELECT status FROM memories WHERE id = ?", [memoryId])).toEqual([
    { status: "pending" },
  ]);
});
