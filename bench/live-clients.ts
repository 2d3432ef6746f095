import type { Socket } from "bun";

// The live section's clients: thousands of idle Server-Sent Events streams in the bench process.
// Each is a bare HTTP/1.1 request on its own socket (Bun.connect), read by one handler shared by
// every socket, so a client costs a few fields. fetch would do the same job, but Bun queues
// fetches past 256 in flight (BUN_CONFIG_MAX_HTTP_REQUESTS, read once at startup) and gives each
// body a ReadableStream reader: the client's own work would then weigh on the latencies measured.

export interface StreamClient {
  index: number;
  /** The response's status, once its head arrived. */
  status?: number;
  /** The `retry:` line arrived: the stream is open. */
  ready: boolean;
  /** The head until it is complete; then what a non-200 answer said. */
  head: string;
  /** The body's last characters, so that a marker split across two reads is still found. */
  tail: string;
  heartbeats: number;
  /** performance.now() when the marker being watched arrived. */
  receivedAt?: number;
  closed: boolean;
  socket?: Socket<StreamClient>;
  /** While it opens: called once it is open, answered otherwise, or gone. */
  settle?: () => void;
}

export interface StreamSet {
  clients: StreamClient[];
  /** Seconds from the first connect until every stream was open. */
  openSeconds: number;
  /** Every client's receipt of `marker`, from now on; resolves once all have it or at `timeoutMs`. */
  watch(marker: string, timeoutMs: number): { all: Promise<void> };
  /** Closes every socket and waits for the closes (or `timeoutMs`). */
  close(timeoutMs?: number): Promise<void>;
}

const TAIL = 96;
const encoder = new TextEncoder();

/**
 * Opens one stream per token on `path`, at most `inFlight` opening at once (a burst of thousands
 * of connects would overflow the listen backlog and measure SYN retries instead). Fails with the
 * first client that did not get its stream.
 */
export async function openStreams(options: {
  hostname: string;
  port: number;
  path: string;
  tokens: string[];
  inFlight: number;
}): Promise<StreamSet> {
  const { hostname, port, path, tokens } = options;
  const clients: StreamClient[] = tokens.map((_, index) => ({
    index,
    ready: false,
    head: "",
    tail: "",
    heartbeats: 0,
    closed: false,
  }));
  let marker: string | undefined;
  let waiting = 0;
  let allReceived: (() => void) | undefined;
  let closing: { left: number; done: () => void } | undefined;

  const received = (client: StreamClient, seen: string) => {
    if (marker === undefined || client.receivedAt !== undefined || !seen.includes(marker)) return;
    client.receivedAt = performance.now();
    if (--waiting === 0) allReceived?.();
  };
  const handler = {
    data(socket: Socket<StreamClient>, chunk: Buffer) {
      const client = socket.data;
      let text = chunk.toString("latin1");
      if (client.status === undefined) {
        client.head += text;
        const end = client.head.indexOf("\r\n\r\n");
        if (end < 0) return;
        client.status = Number(client.head.slice(9, 12));
        text = client.head.slice(end + 4);
        client.head = client.status === 200 ? "" : text.slice(0, 300);
        if (client.status !== 200) return client.settle?.();
      }
      if (text.includes(": ping")) client.heartbeats++;
      const seen = client.tail + text;
      if (!client.ready && seen.includes("retry:")) {
        client.ready = true;
        client.settle?.();
      }
      received(client, seen);
      client.tail = seen.slice(-TAIL);
    },
    close(socket: Socket<StreamClient>) {
      const client = socket.data;
      client.closed = true;
      client.settle?.();
      if (closing && --closing.left === 0) closing.done();
    },
    error(socket: Socket<StreamClient>, error: Error) {
      socket.data.head ||= error.message;
    },
    connectError(socket: Socket<StreamClient>, error: Error) {
      socket.data.head ||= error.message;
      socket.data.closed = true;
      socket.data.settle?.();
    },
  };

  async function open(client: StreamClient, token: string) {
    const opened = new Promise<void>((resolve) => {
      client.settle = resolve;
    });
    client.socket = await Bun.connect<StreamClient>({
      hostname,
      port,
      data: client,
      socket: handler,
    });
    client.socket.write(
      encoder.encode(
        `GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${token}\r\n` +
          "Accept: text/event-stream\r\n\r\n",
      ),
    );
    await opened;
    client.settle = undefined;
    if (!client.ready) {
      const why = client.status === undefined ? "no answer" : `HTTP ${client.status}`;
      throw new Error(`stream ${client.index} did not open: ${why} ${client.head}`.trim());
    }
  }

  const set: StreamSet = {
    clients,
    openSeconds: 0,
    watch(next, timeoutMs) {
      marker = next;
      waiting = 0;
      for (const client of clients) {
        client.receivedAt = undefined;
        if (!client.closed) waiting++;
      }
      const all = new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        allReceived = () => {
          clearTimeout(timer);
          resolve();
        };
        if (waiting === 0) allReceived();
      });
      return { all };
    },
    async close(timeoutMs = 10_000) {
      const open = clients.filter((c) => c.socket && !c.closed);
      if (open.length === 0) return;
      const done = new Promise<void>((resolve) => {
        closing = { left: open.length, done: resolve };
      });
      for (const client of open) client.socket?.end();
      await Promise.race([done, Bun.sleep(timeoutMs)]);
      for (const client of clients) if (!client.closed) client.socket?.terminate();
      closing = undefined;
    },
  };

  const started = performance.now();
  let next = 0;
  let failed = false;
  const worker = async () => {
    for (let i = next++; i < clients.length && !failed; i = next++) {
      await open(clients[i]!, tokens[i]!).catch((error) => {
        failed = true;
        throw error;
      });
    }
  };
  const workers = Array.from({ length: Math.min(options.inFlight, clients.length) }, worker);
  try {
    await Promise.all(workers);
  } catch (error) {
    await Promise.allSettled(workers);
    await set.close(2000);
    throw error;
  }
  set.openSeconds = (performance.now() - started) / 1000;
  return set;
}
