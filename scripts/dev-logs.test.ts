import { describe, expect, test } from "bun:test";
import { pipeLogs } from "./dev-logs.ts";

const jsonLine = JSON.stringify({
  level: "info",
  time: "2025-01-01T10:00:00.000Z",
  service: "auth",
  pid: 4242,
  hostname: "devbox",
  requestId: "req-7",
  msg: "listening",
});

/** A child's stdout that arrives in awkward pieces: a line split mid-way, two lines in one chunk. */
function chunked(...pieces: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const piece of pieces) controller.enqueue(encoder.encode(piece));
      controller.close();
    },
  });
}

async function collect(source: ReadableStream<Uint8Array>, pretty: boolean, colorize = false) {
  const writes: string[] = [];
  await pipeLogs(
    source,
    { write: (text) => writes.push(text) },
    { service: "auth", pretty, colorize },
  );
  return writes;
}

describe("pipeLogs", () => {
  test("without a terminal, JSON lines pass through unchanged and whole", async () => {
    const input = `${jsonLine}\n${jsonLine}\nnot json\n`;
    const writes = await collect(chunked(input.slice(0, 20), input.slice(20)), false);
    expect(writes.join("")).toBe(input);
    // No write carries part of a line: another service's output can only come between lines.
    for (const write of writes) expect(write.endsWith("\n")).toBe(true);
  });

  test("at a terminal, a JSON line becomes a readable line naming the service", async () => {
    const output = (await collect(chunked(`${jsonLine}\n`), true)).join("");
    expect(output).not.toContain("{");
    expect(output).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: auth +listening\n/);
    // Fields beyond the usual ones stay visible; the ones shown once per line or useless here go.
    expect(output).toContain("requestId");
    expect(output).toContain("req-7");
    expect(output).not.toContain("devbox");
    expect(output).not.toContain("4242");
  });

  test("pretty mode colours only when asked, and leaves lines that are not JSON alone", async () => {
    const plain = (await collect(chunked(`${jsonLine}\nplain text`), true)).join("");
    const coloured = (await collect(chunked(`${jsonLine}\nplain text`), true, true)).join("");
    expect(plain).not.toContain("\u001b[");
    expect(coloured).toContain("\u001b[");
    // The last line had no newline: it is still printed when the stream ends.
    expect(plain.endsWith("plain text\n")).toBe(true);
    expect(coloured.endsWith("plain text\n")).toBe(true);
  });
});
