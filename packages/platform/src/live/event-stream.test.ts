import { afterEach, describe, expect, spyOn, test } from "bun:test";
import { connect } from "node:net";
import pino from "pino";
import { Registry } from "prom-client";
import { createStreamHub, type EventStream } from "./event-stream.ts";

type Frame = { comments: string[]; id?: string; event?: string; data?: string; retry?: string };

/** The parts of the SSE grammar we emit: `field: value` lines and comments, blank line ends. */
function parseFrame(block: string): Frame {
  const frame: Frame = { comments: [] };
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) {
      frame.comments.push(line.slice(1).trim());
      continue;
    }
    const colon = line.indexOf(":");
    const name = line.slice(0, colon) as "id" | "event" | "data" | "retry";
    const value = line.slice(colon + 1).replace(/^ /, "");
    frame[name] = frame[name] === undefined ? value : `${frame[name]}\n${value}`;
  }
  return frame;
}

async function until(condition: () => boolean, what: string, ms = 3000) {
  for (const start = Date.now(); !condition(); await Bun.sleep(5)) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
  }
}

const running: { stop(): void }[] = [];
afterEach(() => {
  for (const r of running.splice(0)) r.stop();
});

function setup(overrides: { bufferLimitBytes?: number } = {}) {
  const registry = new Registry();
  const hub = createStreamHub({
    heartbeatMs: 100,
    retryMs: 1500,
    bufferLimitBytes: overrides.bufferLimitBytes ?? 64 * 1024,
    metrics: registry,
    logger: pino({ level: "silent" }),
  });
  const streams: EventStream[] = [];
  const closes: string[] = [];
  const server = Bun.serve({
    port: 0,
    fetch() {
      const stream = hub.open({ onClose: (reason) => closes.push(reason) });
      streams.push(stream);
      return stream.response({ "x-extra": "1" });
    },
  });
  running.push({
    stop() {
      hub.endAll("test-over");
      server.stop(true);
    },
  });
  const metric = async (name: string, labels: Record<string, string> = {}) => {
    const values = (await registry.getSingleMetric(name)!.get()).values;
    const found = values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x));
    return found?.value ?? 0;
  };
  return { hub, streams, closes, url: `http://127.0.0.1:${server.port}/`, server, metric };
}

/** A real client: fetch, read the body, parse the frames as they arrive. */
async function listen(url: string, signal?: AbortSignal) {
  const response = await fetch(url, { signal });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const frames: Frame[] = [];
  let text = "";
  let bytes = 0;
  const finished = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return "done";
        bytes += value.byteLength;
        text += decoder.decode(value, { stream: true });
        for (let i = text.indexOf("\n\n"); i >= 0; i = text.indexOf("\n\n")) {
          frames.push(parseFrame(text.slice(0, i)));
          text = text.slice(i + 2);
        }
      }
    } catch {
      return "aborted";
    }
  })();
  const events = () => frames.filter((f) => f.event !== undefined);
  return { response, frames, events, finished, received: () => bytes };
}

describe("event stream", () => {
  test("frames: headers, the retry hint first, then id, event and one-line JSON data", async () => {
    const { url, streams, hub } = setup();
    const client = await listen(url);
    expect(client.response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(client.response.headers.get("cache-control")).toBe("no-cache, no-transform");
    expect(client.response.headers.get("x-accel-buffering")).toBe("no");
    expect(client.response.headers.get("x-extra")).toBe("1");
    const data = { type: "rsvp.changed", note: "line one\nline two\r\n", n: 1 };
    expect(streams[0]!.send({ id: "42", event: "rsvp.changed", data })).toBe(true);
    streams[0]!.send({ event: "hangout.deleted", data: "01HX" });
    await until(() => client.events().length === 2, "two events");
    expect(client.frames[0]).toEqual({ comments: [], retry: "1500" });
    expect(client.events()[0]).toEqual({
      comments: [],
      id: "42",
      event: "rsvp.changed",
      data: JSON.stringify(data),
    });
    expect(JSON.parse(client.events()[0]!.data!)).toEqual(data);
    expect(client.events()[1]).toEqual({ comments: [], event: "hangout.deleted", data: '"01HX"' });
    expect(hub.size).toBe(1);
  });

  test("a line break in id or event is refused", () => {
    const { hub } = setup();
    const stream = hub.open();
    expect(() => stream.send({ event: "a\nb", data: 1 })).toThrow(/line break/);
    expect(() => stream.send({ id: "1\r", event: "a", data: 1 })).toThrow(/line break/);
    stream.end("done");
  });

  test("heartbeats reach every stream from one shared interval", async () => {
    const setInterval = spyOn(globalThis, "setInterval");
    try {
      const { url, hub } = setup();
      const clients = await Promise.all([listen(url), listen(url), listen(url)]);
      expect(hub.size).toBe(3);
      expect(hub.tickerRunning).toBe(true);
      const pings = (c: (typeof clients)[number]) =>
        c.frames.filter((f) => f.comments.includes("ping")).length;
      await until(() => clients.every((c) => pings(c) >= 3), "three pings on each stream");
      expect(setInterval).toHaveBeenCalledTimes(1);
      hub.endAll("done");
      expect(hub.tickerRunning).toBe(false);
      await listen(url);
      expect(hub.tickerRunning).toBe(true);
      expect(setInterval).toHaveBeenCalledTimes(2);
    } finally {
      setInterval.mockRestore();
    }
  });

  test("end() sends the end event, then the body finishes; it is idempotent", async () => {
    const { url, streams, closes, hub, metric } = setup();
    const client = await listen(url);
    const stream = streams[0]!;
    stream.end("token-expired", { expiredAt: "2030-01-01T00:00:00Z" });
    stream.end("token-expired");
    expect(await client.finished).toBe("done");
    const last = client.events().at(-1)!;
    expect(last.event).toBe("end");
    expect(JSON.parse(last.data!)).toEqual({
      reason: "token-expired",
      expiredAt: "2030-01-01T00:00:00Z",
    });
    expect(stream.closed).toBe(true);
    expect(stream.send({ event: "late", data: 1 })).toBe(false);
    expect(closes).toEqual(["token-expired"]);
    expect(hub.size).toBe(0);
    expect(await metric("live_stream_disconnects_total", { reason: "token-expired" })).toBe(1);
    expect(await metric("live_events_sent_total", { event: "end" })).toBe(1);
    expect(await metric("live_streams_open")).toBe(0);
  });

  test("a client that goes away closes its stream with client-closed", async () => {
    const { url, closes, hub, metric } = setup();
    const abort = new AbortController();
    const client = await listen(url, abort.signal);
    await until(() => client.frames.length > 0, "the retry hint");
    expect(await metric("live_streams_open")).toBe(1);
    abort.abort();
    await until(() => hub.size === 0, "the stream to close");
    expect(closes).toEqual(["client-closed"]);
    expect(await metric("live_stream_disconnects_total", { reason: "client-closed" })).toBe(1);
    expect(await metric("live_streams_open")).toBe(0);
    expect(hub.tickerRunning).toBe(false);
  });

  test("endAll ends every stream with its reason", async () => {
    const { url, hub, closes, metric } = setup();
    const clients = await Promise.all([listen(url), listen(url), listen(url)]);
    hub.endAll("shutdown");
    expect(await Promise.all(clients.map((c) => c.finished))).toEqual(["done", "done", "done"]);
    for (const c of clients) {
      expect(JSON.parse(c.events().at(-1)!.data!)).toEqual({ reason: "shutdown" });
    }
    expect(closes).toEqual(["shutdown", "shutdown", "shutdown"]);
    expect(hub.size).toBe(0);
    expect(await metric("live_stream_disconnects_total", { reason: "shutdown" })).toBe(3);
  });
});

describe("slow clients", () => {
  const limit = 64 * 1024;
  const data = "x".repeat(16 * 1024);

  /** Sends at a pace the HTTP layer can follow; returns the bytes written before a drop. */
  async function push(stream: EventStream, maxBytes: number) {
    let written = 0;
    let peak = 0;
    for (let i = 0; written < maxBytes; i++) {
      if (!stream.send({ id: String(i), event: "big", data })) break;
      written += data.length;
      peak = Math.max(peak, stream.bufferedBytes);
      // Yield to the event loop so Bun can move the queue to the socket when it will take it.
      await Bun.sleep(1);
    }
    return { written, peak };
  }

  test("a client that stops reading is dropped once its buffer passes the limit", async () => {
    const { hub, streams, closes, server, metric } = setup({ bufferLimitBytes: limit });
    const socket = connect(server.port!, "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    let received = 0;
    let tail = "";
    socket.on("data", (chunk) => {
      received += chunk.length;
      tail = (tail + chunk.toString("latin1")).slice(-64);
    });
    const socketClosed = new Promise((resolve) => socket.once("close", resolve));
    let socketError = "";
    socket.on("error", (e) => {
      socketError = e.message;
    });
    socket.write("GET / HTTP/1.1\r\nHost: test\r\n\r\n");
    await until(() => received > 0, "the response head");
    socket.pause();

    const stream = streams[0]!;
    const { written, peak } = await push(stream, 64 * 1024 * 1024);
    expect(stream.closed).toBe(true);
    expect(closes).toEqual(["slow-client"]);
    // The queue only grew once the socket stopped taking bytes: the kernel's buffers absorbed
    // far more than the limit first, so the drop came from backpressure, not from a burst.
    expect(written).toBeGreaterThan(limit * 4);
    expect(peak).toBeGreaterThan(limit - data.length * 2);
    expect(peak).toBeLessThanOrEqual(limit);
    expect(stream.bufferedBytes).toBe(0);
    expect(hub.size).toBe(0);
    expect(hub.tickerRunning).toBe(false);
    expect(await metric("live_stream_disconnects_total", { reason: "slow-client" })).toBe(1);
    expect(await metric("live_streams_open")).toBe(0);

    // Once it reads again it gets what the kernel held, then a reset connection, never the
    // chunked body's clean end: it must reconnect and resume.
    socket.resume();
    await socketClosed;
    expect(received).toBeLessThan(written);
    expect(tail.endsWith("\r\n0\r\n\r\n")).toBe(false);
    expect(socketError).toContain("ECONNRESET");
  }, 20_000);

  test("one event larger than the limit still goes out when nothing is queued", async () => {
    const { url, streams } = setup({ bufferLimitBytes: limit });
    const client = await listen(url);
    await until(() => client.frames.length > 0 && streams[0]!.bufferedBytes === 0, "a drain");
    expect(streams[0]!.send({ event: "huge", data: "y".repeat(limit * 2) })).toBe(true);
    await until(() => client.events().length === 1, "the huge event");
    expect(streams[0]!.closed).toBe(false);
  });

  test("a client that keeps reading gets far more than the limit and stays connected", async () => {
    const { url, streams, hub } = setup({ bufferLimitBytes: limit });
    const client = await listen(url);
    const total = 8 * 1024 * 1024;
    const { written } = await push(streams[0]!, total);
    expect(written).toBeGreaterThanOrEqual(total);
    expect(streams[0]!.closed).toBe(false);
    await until(() => client.received() > total, "every byte to arrive", 10_000);
    expect(hub.size).toBe(1);
  }, 20_000);
});
