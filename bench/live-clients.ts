import { createPool } from "@hangout/platform/db";
import type { Socket } from "bun";
import type { RowDataPacket } from "../packages/platform/node_modules/mysql2/promise";
import { json } from "./common.ts";

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

// ---------------------------------------------------------------------------------------------
// Who the clients are: accounts in auth, their access tokens, their membership

export interface Account {
  userId: string;
  email: string;
  refreshToken: string;
}

/**
 * `count` accounts written straight into auth's database (signing up thousands through the API
 * would hash as many passwords), each with `passwordHash` and one refresh token stored as a login
 * stores it (its SHA-256), so that auth itself issues their access tokens.
 */
export async function createAccounts(authDatabaseUrl: string, count: number, passwordHash: string) {
  const run = Date.now().toString(36);
  const accounts: Account[] = Array.from({ length: count }, (_, i) => ({
    userId: Bun.randomUUIDv7(),
    email: `live-${run}-${i}@example.com`,
    refreshToken: Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url"),
  }));
  const now = new Date();
  const expires = new Date(now.getTime() + 86_400_000);
  const sha256 = (text: string) => new Bun.CryptoHasher("sha256").update(text).digest("hex");
  await withPool(authDatabaseUrl, async (pool) => {
    for (let i = 0; i < count; i += 1000) {
      const batch = accounts.slice(i, i + 1000);
      await pool.query(
        "INSERT INTO users (id, email, name, password_hash, created_at, updated_at) VALUES ?",
        [batch.map((a, j) => [a.userId, a.email, `Live ${i + j}`, passwordHash, now, now])],
      );
      await pool.query(
        "INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at, created_at) VALUES ?",
        [
          batch.map((a) => [
            Bun.randomUUIDv7(),
            a.userId,
            Bun.randomUUIDv7(),
            sha256(a.refreshToken),
            expires,
            now,
          ]),
        ],
      );
    }
  });
  return accounts;
}

/** Real logins of the first `count` accounts, `inFlight` at once: what logging in every client would cost. */
export async function sampleLogins(
  authUrl: string,
  accounts: Account[],
  password: string,
  count: number,
  inFlight: number,
) {
  const sample = accounts.slice(0, count);
  const started = performance.now();
  await inParallel(sample, inFlight, (account) =>
    post(authUrl, "/auth/login", { email: account.email, password }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { count: sample.length, inFlight, perSecond: sample.length / seconds };
}

/** An access token for every account from auth's POST /auth/refresh, `inFlight` at once. */
export async function accessTokens(authUrl: string, accounts: Account[], inFlight: number) {
  const started = performance.now();
  const tokens = await inParallel(accounts, inFlight, (account) =>
    post(authUrl, "/auth/refresh", { refreshToken: account.refreshToken }),
  );
  return { tokens, seconds: (performance.now() - started) / 1000 };
}

/** Plain members of a hangout, written as an invitation taken up leaves them. */
export async function addMembers(hangoutDatabaseUrl: string, hangoutId: string, userIds: string[]) {
  await withPool(hangoutDatabaseUrl, async (pool) => {
    const now = new Date();
    const [[hangout]] = await pool.query<RowDataPacket[]>(
      "SELECT starts_at FROM hangouts WHERE id = ?",
      [hangoutId],
    );
    for (let i = 0; i < userIds.length; i += 1000) {
      const rows = userIds
        .slice(i, i + 1000)
        .map((id) => [hangoutId, id, "member", "pending", now, hangout?.starts_at]);
      await pool.query(
        "INSERT INTO members (hangout_id, user_id, role, rsvp, joined_at, starts_at) VALUES ?",
        [rows],
      );
    }
    await pool.query("UPDATE hangouts SET member_count = member_count + ? WHERE id = ?", [
      userIds.length,
      hangoutId,
    ]);
  });
}

async function withPool<T>(url: string, fn: (pool: ReturnType<typeof createPool>) => Promise<T>) {
  const pool = createPool(url);
  try {
    return await fn(pool);
  } finally {
    await pool.end();
  }
}

async function post(authUrl: string, path: string, body: object) {
  const response = await fetch(`${authUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return (await json<{ accessToken: string }>(response, 200, `POST ${path}`)).accessToken;
}

async function inParallel<T, R>(items: T[], inFlight: number, fn: (item: T) => Promise<R>) {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, items.length) }, worker));
  return results;
}
