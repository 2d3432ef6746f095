/**
 * Generated requests against every operation auth documents (issue 16): valid ones from the
 * document's schemas and broken ones from the fuzzer's mutations, with no token, with bad ones
 * and as two different people. Any 5xx, any status or body the document does not promise, and any
 * stored value that reads back differently fails; a new account reads back through a login.
 *
 * Logins are throttled, so the fuzzer logs in only to accounts of its own, from a few client
 * addresses (the service trusts X-Forwarded-For here); a 429 is a documented answer of login.
 * Bounded for CI; a longer run: `FUZZ_RUNS=20000 bun test services/auth/test/fuzz.test.ts`.
 * A failure prints its seed; `FUZZ_SEED=<seed>` replays it, `FUZZ_ALL=1` lists every class
 * (without shrinking), `FUZZ_COVERAGE=1` prints the statuses each operation and input got.
 */
import { afterAll, beforeAll, test } from "bun:test";
import { arbitraryFor } from "@hangout/platform/testing/fuzz/arbitraries";
import { expectDocumentsKept } from "@hangout/platform/testing/fuzz/expect-kept";
import { fetchDocument } from "@hangout/platform/testing/fuzz/openapi";
import { sentJson } from "@hangout/platform/testing/fuzz/payloads";
import type { ReadBack } from "@hangout/platform/testing/fuzz/read-back";
import { type FuzzTarget, fuzzOptions } from "@hangout/platform/testing/fuzz/run";
import fc from "fast-check";
import { type AuthHarness, startAuth } from "./harness.ts";

const options = fuzzOptions({ runs: 1500, seed: 16 });

let auth: AuthHarness & { close(): Promise<void> };
let target: FuzzTarget;

/** Client addresses for fuzzed requests; read backs each come from an address of their own. */
const ADDRESSES = Array.from({ length: 8 }, (_, i) => `198.51.100.${i + 1}`);
let readBackAddress = 0;

/** A new account reads back through a login with what it was created with, then `GET /auth/me`. */
const signupReadBack: ReadBack = async ({ case: c, baseUrl }) => {
  const { email, password } = sentJson(c.payload) as { email: string; password: string };
  const n = ++readBackAddress;
  const login = await fetch(`${baseUrl}/auth/login`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-forwarded-for": `10.${(n >> 8) & 255}.${n & 255}.1`,
    },
    body: JSON.stringify({ email, password }),
  });
  const via = "read back with POST /auth/login, then GET /auth/me";
  if (login.status !== 200) {
    const detail = `${via}: the new account's login answered ${login.status}`;
    return { finding: { kind: "read back", detail } };
  }
  const { accessToken } = (await login.json()) as { accessToken: string };
  const me = await fetch(`${baseUrl}/auth/me`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  if (me.status !== 200) {
    return { finding: { kind: "read back", detail: `${via}: /auth/me answered ${me.status}` } };
  }
  return { value: await me.json(), via };
};

beforeAll(async () => {
  auth = await startAuth({ AUTH_TRUST_PROXY: "true", LOG_LEVEL: "warn" });
  const alice = await auth.signup({ name: "Alice" });
  const bob = await auth.signup({ name: "Bob" });
  // Accounts only the fuzzer logs in to, with their passwords, right or wrong.
  const accounts = await Promise.all([1, 2, 3].map(() => auth.signup({ name: "Fuzz" })));
  const sessions = await Promise.all(
    [alice, bob, ...accounts].map((a) => auth.login(a.email, a.password)),
  );
  const [aliceLogin, bobLogin] = sessions;
  const pools: Record<string, string[]> = { refreshTokens: sessions.map((s) => s.refreshToken) };
  const credentials = fc
    .tuple(fc.constantFrom(...accounts), fc.boolean())
    .map(([a, right]) => ({ email: a.email, password: right ? a.password : `${a.password}!` }));
  target = {
    service: "auth",
    baseUrl: auth.url,
    document: await fetchDocument(auth.url),
    principals: {
      alice: `Bearer ${aliceLogin!.accessToken}`,
      bob: `Bearer ${bobLogin!.accessToken}`,
    },
    pools,
    headers: fc.constantFrom(...ADDRESSES).map((a) => ({ "x-forwarded-for": a })),
    hint(operation, path, schema) {
      if (operation.key === "POST /auth/login" && path.length === 0) {
        return fc.oneof(credentials, arbitraryFor(schema, { root: operation.root }));
      }
      if (path.join(".") === "refreshToken") {
        const known = fc.nat().map((i) => pools.refreshTokens![i % pools.refreshTokens!.length]);
        return fc.oneof({ arbitrary: known, weight: 3 }, arbitraryFor(schema));
      }
      return undefined;
    },
    learn(_operation, _c, body, remember) {
      const token = (body as { refreshToken?: unknown }).refreshToken;
      if (typeof token === "string") remember("refreshTokens", token);
    },
    readBack: { "POST /auth/signup": signupReadBack },
    rules(operation, c, answer) {
      if (operation.key !== "POST /auth/login" || answer.status !== 200) return [];
      // A login is for the account of the email sent, lower-cased and trimmed, and no other: the
      // throttle counts failures by that email, so a look-alike must not reach the account.
      const sent = (sentJson(c.payload) as { email?: unknown } | undefined)?.email;
      const user = (answer.json as { user?: { email?: string } }).user?.email;
      const expected = typeof sent === "string" ? sent.trim().toLowerCase() : undefined;
      return user === expected
        ? []
        : [`logged in to ${user} with the email ${JSON.stringify(sent)}`];
    },
    // Both documented in the sign-up schema: emails are lower-cased, names trimmed.
    normalizations: { email: (email) => email.toLowerCase(), name: (name) => name.trim() },
  };
}, 120_000);

afterAll(async () => {
  await auth?.close();
});

test(
  "every documented operation keeps its document's promises under generated requests",
  () => expectDocumentsKept([target], options),
  Math.max(120_000, options.runs * 200),
);
