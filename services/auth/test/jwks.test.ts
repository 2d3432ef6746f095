import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createAccessTokenVerifier, remoteKeys } from "@hangout/platform/access-token";
import { AppError } from "@hangout/platform/errors";
import { type AuthHarness, startAuth } from "./harness.ts";

let auth: Awaited<ReturnType<typeof startAuth>>;
beforeAll(async () => {
  auth = await startAuth();
});
afterAll(() => auth.close());

const options = { issuer: "hangout-planner-auth", audience: "hangout-planner" };
const loginToken = async (h: AuthHarness) => {
  const user = await h.signup();
  return { user, token: (await h.login(user.email, user.password)).accessToken };
};

describe("GET /.well-known/jwks.json", () => {
  test("publishes the public ES256 key with its kid and nothing private", async () => {
    const response = await auth.get("/.well-known/jwks.json");
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toContain("max-age");
    const { keys } = (await response.json()) as { keys: Record<string, string>[] };
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
    expect(keys[0]!.kid).toMatch(/^[\w-]{43}$/);
    expect(keys[0]).not.toHaveProperty("d");
  });

  test("other services verify tokens with the platform verifier against this endpoint", async () => {
    const verify = createAccessTokenVerifier(
      remoteKeys(`${auth.url}/.well-known/jwks.json`),
      options,
    );
    const { user, token } = await loginToken(auth);
    expect((await verify(token)).sub).toBe(user.id);
    await expect(verify(`${token.slice(0, -4)}AAAA`)).rejects.toBeInstanceOf(AppError);
  });

  test("a new signing key reaches verifiers through an unknown-kid refetch", async () => {
    const first = await startAuth();
    const port = Number(new URL(first.url).port);
    const verify = createAccessTokenVerifier(
      remoteKeys(`${first.url}/.well-known/jwks.json`, { cooldownMs: 0 }),
      options,
    );
    const old = await loginToken(first);
    expect((await verify(old.token)).sub).toBe(old.user.id);

    // The same service restarts on the same address with a new key.
    await first.close(true);
    const second = await startAuth(
      {},
      { database: first.database, privateKey: await newKey(), port },
    );
    try {
      const fresh = await loginToken(second);
      expect((await verify(fresh.token)).sub).toBe(fresh.user.id);
    } finally {
      await second.close();
    }
  });
});

async function newKey() {
  const { generateKeyPair } = await import("jose");
  return (await generateKeyPair("ES256", { extractable: true })).privateKey;
}
