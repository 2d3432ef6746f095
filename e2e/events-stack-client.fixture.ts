/**
 * What a test does with a running events stack (events-stack.fixture.ts starts it): requests as
 * a signed-up person, their JSON answers, waiting for an effect to show, and reading what the
 * stack did in the mail sink and in the notification service's database.
 */
import type { createPool } from "@hangout/platform/db";
import type { SunkMessage } from "@hangout/platform/testing/mail-sink";

export type { SunkMessage };

const WAIT_MS = 20_000;

type Pool = ReturnType<typeof createPool>;

export interface Person {
  id: string;
  email: string;
  name: string;
  token: string;
}

export interface CallOptions {
  as?: Person;
  headers?: Record<string, string>;
}

export interface StackClient {
  /** Signs `email` up with auth exactly as given (a fresh address by default) and logs in. */
  signUp(name: string, email?: string): Promise<Person>;
  /** A JSON request to `url` as `person` (anonymous without one). */
  call(method: string, url: string, body?: unknown, options?: CallOptions): Promise<Response>;
  /** Deliveries the notification service has queued and not yet sent, skipped or given up. */
  pendingDeliveries(): Promise<number>;
  /** Rows of a query on the notification service's database (its projection, its deliveries). */
  notificationRows<T>(sql: string, params?: unknown[]): Promise<T[]>;
}

/** The body of `response` as JSON, after checking its status (the body is in the failure). */
export async function json<T>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  if (response.status !== status) {
    throw new Error(`${response.url}: expected ${status}, got ${response.status}: ${text}`);
  }
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Polls `probe` until it gives something other than undefined. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = WAIT_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = "no answer";
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms (${last})`);
    await Bun.sleep(100);
  }
}

/** Whether a message went to `address` (case-insensitively, as mail does). */
export const sentTo = (address: string) => (message: SunkMessage) =>
  message.envelope.to.some((to) => to.toLowerCase() === address.toLowerCase());

let people = 0;

/**
 * A client of the stack whose auth answers at `authUrl`, reading the notification database
 * through `pool`; `tag` makes its default addresses this run's own.
 */
export function stackClient(authUrl: string, tag: string, pool: Pool): StackClient {
  const call: StackClient["call"] = (method, url, body, options = {}) =>
    fetch(url, {
      method,
      headers: {
        ...(options.as ? { authorization: `Bearer ${options.as.token}` } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...options.headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });

  return {
    call,
    async signUp(name, email = `person-${tag}-${++people}@example.com`) {
      const password = "correct horse battery staple";
      const created = await json<{ id: string; email: string }>(
        await call("POST", `${authUrl}/auth/signup`, { email, password, name }),
        201,
      );
      const { accessToken } = await json<{ accessToken: string }>(
        await call("POST", `${authUrl}/auth/login`, { email, password }),
        200,
      );
      return { id: created.id, email: created.email, name, token: accessToken };
    },
    async pendingDeliveries() {
      const [rows] = await pool.query(
        "SELECT COUNT(*) AS n FROM deliveries WHERE status = 'pending'",
      );
      return Number((rows as { n: number }[])[0]?.n ?? 0);
    },
    async notificationRows<T>(sql: string, params: unknown[] = []) {
      const [rows] = await pool.query(sql, params);
      return rows as T[];
    },
  };
}
