import { afterAll, beforeAll, expect, test } from "bun:test";
import net from "node:net";
import { openSse, type SseClient } from "@hangout/platform/testing/sse-client";
import { createHangout, invite } from "./fixtures.ts";
import { type Stack, startStack, type TestUser } from "./harness.ts";

/*
 * Streams over time: an idle one outlives Bun's 10 s idle timeout on heartbeats, and a client that
 * stops reading is dropped once its unsent events pass the limit, without holding up the others.
 */

let stack: Stack;
let ann: TestUser;
let bob: TestUser;
let hangoutId: string;
const open: SseClient[] = [];

beforeAll(async () => {
  stack = await startStack();
  ann = await stack.user("Ann");
  bob = await stack.user("Bob");
  hangoutId = (await createHangout(stack, ann, { title: "Slow" })).id;
  await invite(stack, ann, hangoutId, [bob]);
});
afterAll(async () => {
  for (const client of open) client.close();
  await stack?.stop();
});

async function metric(name: string, labels = "") {
  const text = await (await fetch(`${stack.hangoutUrl}/metrics`)).text();
  const line = text
    .split("\n")
    .find((l) => l.startsWith(`${name}{`) && l.includes(labels) && !l.startsWith("#"));
  return Number(line?.split(" ").at(-1) ?? 0);
}

test("an idle stream stays open for 30 s on heartbeats, and still delivers", async () => {
  const client = await openSse(`${stack.hangoutUrl}/hangouts/${hangoutId}/events`, {
    authorization: `Bearer ${bob.token}`,
  });
  open.push(client);
  await Bun.sleep(31_000);
  expect(client.events.filter((e) => e.event === "end")).toEqual([]);
  // Every LIVE_HEARTBEAT_SECONDS (5): about six in 31 s.
  expect(client.comments).toBeGreaterThanOrEqual(5);
  expect(client.retry).toBe(2000);
  await stack.as(ann).patch(`/hangouts/${hangoutId}`, { title: "Still here?" });
  await client.next((e) => e.event === "hangout.updated", 3000);
}, 40_000);

test("a client that stops reading is dropped past its buffer; a reading one gets everything", async () => {
  const reader = await openSse(`${stack.hangoutUrl}/hangouts/${hangoutId}/events`, {
    authorization: `Bearer ${ann.token}`,
  });
  open.push(reader);
  const dropsBefore = await metric("live_stream_disconnects_total", 'reason="slow-client"');

  // A raw connection that asks for the stream and never reads a byte of it.
  const { port } = new URL(stack.hangoutUrl);
  const stalled = net.connect(Number(port), "127.0.0.1");
  stalled.on("error", () => undefined);
  await new Promise<void>((resolve) => stalled.once("connect", resolve));
  stalled.write(
    `GET /hangouts/${hangoutId}/events HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${bob.token}\r\n\r\n`,
  );
  stalled.pause();
  await Bun.sleep(200);
  const streamsWithStalled = await metric("live_streams_open");

  // Each change is about 5 KB of hangout; the kernel's socket buffers take a few MB first.
  const changes = 1200;
  const description = "x".repeat(4900);
  let made = 0;
  for (let i = 0; i < changes; i += 20) {
    made += 20;
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, j) =>
        stack.as(ann).patch(`/hangouts/${hangoutId}`, { description: `${i + j} ${description}` }),
      ),
    );
    // Every change must have been made, or the count below proves nothing.
    expect(answers.map((r) => r.status)).toEqual(answers.map(() => 200));
    if ((await metric("live_stream_disconnects_total", 'reason="slow-client"')) > dropsBefore)
      break;
  }
  expect(await metric("live_stream_disconnects_total", 'reason="slow-client"')).toBe(
    dropsBefore + 1,
  );
  // Its memory is given back: the stream is gone from the replica.
  expect(await metric("live_streams_open")).toBe(streamsWithStalled - 1);
  stalled.destroy();

  // The reading client got every change, in order, and was never held up.
  await stack.as(ann).patch(`/hangouts/${hangoutId}`, { title: "Last" });
  // Changes are rendered when sent, so earlier ones may already show the title: wait for the
  // position of this last change itself.
  const [rows] = await stack.db.query(
    "SELECT MAX(position) AS last FROM live_events WHERE hangout_id = ?",
    [hangoutId],
  );
  const lastPosition = String((rows as { last: number }[])[0]?.last);
  await reader.next((e) => e.id === lastPosition, 10_000);
  const ids = reader.events.filter((e) => e.event === "hangout.updated").map((e) => Number(e.id));
  expect(ids.length).toBe(made + 1);
  expect([...ids].sort((a, b) => a - b)).toEqual(ids);
  expect(new Set(ids).size).toBe(ids.length);
}, 120_000);
