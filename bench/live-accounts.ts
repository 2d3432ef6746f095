import { createPool } from "@hangout/platform/db";
import type { RowDataPacket } from "../packages/platform/node_modules/mysql2/promise";
import { json } from "./common.ts";

// Who the live section's clients are: accounts in auth, their access tokens, their membership.

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
