import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { testImageFile } from "@hangout/platform/testing/images";
import { count, createHangout, expect422 } from "./fixtures.ts";
import { type Stack, startStack, type TestUser } from "./harness.ts";

let stack: Stack;
let owner: TestUser;

const create = (body: Record<string, unknown> = {}) => createHangout(stack, owner, body);

beforeAll(async () => {
  stack = await startStack();
  owner = await stack.user("Owner");
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe("memory upload refusals beyond memories.test.ts", () => {
  let hangoutId: string;
  const memoryCount = () => count(stack, "SELECT COUNT(*) AS n FROM memories");

  const jpeg = (overrides: Record<string, unknown> = {}) => testImageFile("jpg", overrides);

  beforeAll(async () => {
    hangoutId = (await create({ title: "Photos" })).id;
  });

  const cases: [string, () => Promise<unknown>, string][] = [
    ["no files", async () => ({ files: [] }), "/files"],
    ["a missing files field", async () => ({}), "/files"],
    ["a zero size", async () => ({ files: [await jpeg({ size: 0 })] }), "/files/0/size"],
    [
      "exactly 10 MiB + 1 on the third file",
      async () => ({
        files: [await jpeg(), await jpeg(), await jpeg({ size: 10 * 1024 * 1024 + 1 })],
      }),
      "/files/2/size",
    ],
    ["a fractional size", async () => ({ files: [await jpeg({ size: 1.5 })] }), "/files/0/size"],
    [
      "a text/html type",
      async () => ({ files: [await jpeg({ contentType: "text/html", filename: "a.html" })] }),
      "/files/0/contentType",
    ],
    [
      "a .gif name for a JPEG among valid files",
      async () => ({ files: [await jpeg(), await jpeg({ filename: "x.gif" })] }),
      "/files/1/filename",
    ],
    [
      "a control character in the filename",
      async () => ({ files: [await jpeg({ filename: "a\u0007.jpg" })] }),
      "/files/0/filename",
    ],
  ];
  for (const [name, body, path] of cases) {
    test(`${name} → 422 at ${path}, no memory rows`, async () => {
      const before = await memoryCount();
      const res = await stack
        .as(owner)
        .post(`/hangouts/${hangoutId}/memories/uploads`, await body());
      const problem = await expect422(res, path);
      expect(JSON.stringify(problem)).not.toContain("X-Amz");
      expect(await memoryCount()).toBe(before);
    });
  }

  test("exactly 10 files at exactly 10 MiB each are accepted", async () => {
    const before = await memoryCount();
    const files = await Promise.all(
      Array.from({ length: 10 }, () => jpeg({ size: 10 * 1024 * 1024 })),
    );
    const res = await stack.as(owner).post(`/hangouts/${hangoutId}/memories/uploads`, { files });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { uploads: unknown[] }).uploads).toHaveLength(10);
    expect(await memoryCount()).toBe(before + 10);
  });

  test("11 otherwise valid files → 422 and no memory rows", async () => {
    const before = await memoryCount();
    const files = await Promise.all(Array.from({ length: 11 }, () => jpeg()));
    const res = await stack.as(owner).post(`/hangouts/${hangoutId}/memories/uploads`, { files });
    await expect422(res, "/files");
    expect(await memoryCount()).toBe(before);
  });
});
