import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ConfigError } from "@hangout/platform/config";
import { loadAuthConfig } from "../src/config.ts";
import { type AuthHarness, expectProblem, startAuth, uniqueEmail } from "./harness.ts";

// Tight limits so the tests reach them quickly; the service's clock is moved instead of sleeping.
// The three bounds differ on purpose (docs/decisions/0012-login-throttling.md).
const limits = {
  AUTH_LOGIN_MAX_FAILURES_PER_PAIR: "3",
  AUTH_LOGIN_MAX_FAILURES_PER_ACCOUNT: "6",
  AUTH_LOGIN_MAX_FAILURES_PER_ADDRESS: "4",
  AUTH_LOGIN_ADDRESS_ALLOWLIST: "198.51.100.0/24, 2001:db8::/32",
  AUTH_LOGIN_FAILURE_WINDOW_SECONDS: "600",
  AUTH_LOGIN_LOCKOUT_SECONDS: "300",
  AUTH_TRUST_PROXY: "true",
};

let auth: Awaited<ReturnType<typeof startAuth>>;
beforeAll(async () => {
  auth = await startAuth(limits);
});
afterAll(() => auth.close());

type From = Record<string, string>;
const from = (address: string): From => ({ "x-forwarded-for": address });
let addressCounter = 0;
const newAddress = () => {
  const n = ++addressCounter;
  return from(`10.0.${n >> 8}.${n & 255}`);
};
const attempt = (h: AuthHarness, email: string, password: string, headers: From) =>
  h.post("/auth/login", { email, password }, headers);
const fail = (h: AuthHarness, email: string, headers: From) =>
  attempt(h, email, "wrong password", headers);

/** 429, problem+json, and a Retry-After of the whole lockout (the lock was just set). */
async function expectLocked(response: Response) {
  await expectProblem(response, 429);
  const retryAfter = Number(response.headers.get("retry-after"));
  expect(retryAfter).toBeGreaterThan(290);
  expect(retryAfter).toBeLessThanOrEqual(300);
}

describe("login throttling: one address does not lock everyone out", () => {
  test("failures against one account from a shared address lock only that account there", async () => {
    const shared = newAddress();
    const target = await auth.signup();
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await fail(auth, target.email, shared)).status);

    // (a) a colleague behind the same address: a new account's first, correct login
    const colleague = await auth.signup();
    expect((await attempt(auth, colleague.email, colleague.password, shared)).status).toBe(200);
    // (b) the target's owner from elsewhere, with the right password
    expect((await attempt(auth, target.email, target.password, newAddress())).status).toBe(200);
    // (c) the target from the shared address stays locked, right password or not
    await expectLocked(await attempt(auth, target.email, target.password, shared));
    // Only the pair limit's failures were heard; the rest were refused before any hashing.
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429, 429, 429, 429, 429]);
  });

  test("a look-alike spelling of an email is not the account: no login, no dodging its lock", async () => {
    const shared = newAddress();
    const target = await auth.signup();
    const [local, domain] = target.email.split("@") as [string, string];
    // The database finds the account under these spellings; the login must not.
    const lookAlikes = [`${local}\u0007@${domain}`, `${local}\u200b@${domain}`];
    for (const spelling of lookAlikes) {
      await expectProblem(await attempt(auth, spelling, target.password, newAddress()), 401);
    }
    for (let i = 0; i < 3; i++) await fail(auth, target.email, shared);
    for (const spelling of [target.email, target.email.toUpperCase(), ` ${target.email} `]) {
      await expectLocked(await attempt(auth, spelling, target.password, shared));
    }
    for (const spelling of lookAlikes) {
      expect((await attempt(auth, spelling, target.password, shared)).status).not.toBe(200);
    }
  });

  test("an account is locked for everyone only by failures from several addresses", async () => {
    const user = await auth.signup();
    for (let i = 0; i < 6; i++)
      expect((await fail(auth, user.email, newAddress())).status).toBe(401);
    await expectLocked(await attempt(auth, user.email, user.password, newAddress()));
  });

  test("the lock lifts after the lockout and a success resets the account's count", async () => {
    const user = await auth.signup();
    for (let i = 0; i < 6; i++) await fail(auth, user.email, newAddress());
    expect((await fail(auth, user.email, newAddress())).status).toBe(429);
    auth.advance(301);
    await auth.login(user.email, user.password, newAddress());
    // The success cleared the account's count: five more failures are not yet a lock.
    for (let i = 0; i < 5; i++)
      expect((await fail(auth, user.email, newAddress())).status).toBe(401);
    await auth.login(user.email, user.password, newAddress());
  });

  test("a success clears that address's count for the account", async () => {
    const user = await auth.signup();
    const home = newAddress();
    for (let i = 0; i < 2; i++) await fail(auth, user.email, home);
    await auth.login(user.email, user.password, home);
    for (let i = 0; i < 2; i++) expect((await fail(auth, user.email, home)).status).toBe(401);
    await auth.login(user.email, user.password, home);
  });

  test("failures outside the window do not add up", async () => {
    const user = await auth.signup();
    const home = newAddress();
    for (let i = 0; i < 2; i++) await fail(auth, user.email, home);
    for (let i = 0; i < 3; i++) await fail(auth, user.email, newAddress());
    auth.advance(601);
    for (let i = 0; i < 2; i++) expect((await fail(auth, user.email, home)).status).toBe(401);
    for (let i = 0; i < 3; i++)
      expect((await fail(auth, user.email, newAddress())).status).toBe(401);
    await auth.login(user.email, user.password, home);
  });

  test("unknown accounts are throttled like real ones", async () => {
    const ghost = uniqueEmail("ghost");
    const address = newAddress();
    for (let i = 0; i < 3; i++) expect((await fail(auth, ghost, address)).status).toBe(401);
    expect((await fail(auth, ghost, address)).status).toBe(429);

    const roaming = uniqueEmail("ghost");
    for (let i = 0; i < 6; i++) expect((await fail(auth, roaming, newAddress())).status).toBe(401);
    expect((await fail(auth, roaming, newAddress())).status).toBe(429);
  });
});

describe("login throttling: the per-address bound against spraying", () => {
  test("trips on many accounts from one address, counting each account once", async () => {
    const sprayer = newAddress();
    const first = uniqueEmail("spray");
    for (let i = 0; i < 3; i++) await fail(auth, first, sprayer);
    for (let i = 0; i < 2; i++)
      expect((await fail(auth, uniqueEmail("spray"), sprayer)).status).toBe(401);
    // Five failures but three accounts: under the bound of four, so others there still log in.
    const bystander = await auth.signup();
    await auth.login(bystander.email, bystander.password, sprayer);

    expect((await fail(auth, uniqueEmail("spray"), sprayer)).status).toBe(401);
    const user = await auth.signup();
    await expectLocked(await attempt(auth, user.email, user.password, sprayer));
    await auth.login(user.email, user.password, newAddress());
  });

  test("an allow-listed address skips it, but not the per-account limits", async () => {
    for (const office of [from("198.51.100.7"), from("2001:db8::42")]) {
      for (let i = 0; i < 6; i++)
        expect((await fail(auth, uniqueEmail("office"), office)).status).toBe(401);
      const user = await auth.signup();
      await auth.login(user.email, user.password, office);
      for (let i = 0; i < 3; i++) expect((await fail(auth, user.email, office)).status).toBe(401);
      await expectLocked(await attempt(auth, user.email, user.password, office));
    }
    // The range is exact: the next /24 is not exempt.
    const neighbour = from("198.51.101.7");
    for (let i = 0; i < 4; i++) await fail(auth, uniqueEmail("neighbour"), neighbour);
    const user = await auth.signup();
    await expectLocked(await attempt(auth, user.email, user.password, neighbour));
  });

  test("concurrent failures all count, and each account counts once toward the address", async () => {
    const user = await auth.signup();
    await Promise.all(Array.from({ length: 6 }, () => fail(auth, user.email, newAddress())));
    expect((await fail(auth, user.email, newAddress())).status).toBe(429);

    const other = await auth.signup();
    const address = newAddress();
    await Promise.all(Array.from({ length: 3 }, () => fail(auth, other.email, address)));
    expect((await fail(auth, other.email, address)).status).toBe(429);

    // Two at once per account: three accounts stay under the bound of four, a fourth trips it.
    const sprayer = newAddress();
    const burst = (n: number) =>
      Promise.all(
        Array.from({ length: n }, () => uniqueEmail("burst")).flatMap((email) => [
          fail(auth, email, sprayer),
          fail(auth, email, sprayer),
        ]),
      );
    await burst(3);
    const bystander = await auth.signup();
    await auth.login(bystander.email, bystander.password, sprayer);
    await burst(1);
    await expectLocked(await attempt(auth, bystander.email, bystander.password, sprayer));
  });

  test("the lock survives a restart of the service", async () => {
    const user = await auth.signup();
    const address = newAddress();
    for (let i = 0; i < 3; i++) await fail(auth, user.email, address);
    await auth.close(true);
    auth = await startAuth(limits, { database: auth.database, privateKey: auth.privateKey });
    await expectProblem(await attempt(auth, user.email, user.password, address), 429);
  });
});

describe("login throttling: an IPv6 /64 is one address", () => {
  // One /64 per test, outside the allow-listed 2001:db8::/32; each failure from a new address in it.
  let network = 0;
  const newNetwork = () => {
    const n = ++network;
    let host = 0;
    return { next: () => from(`2a00:1450:${n.toString(16)}:7::${(++host).toString(16)}`), n };
  };

  test("failures against one account from addresses of one /64 add up to the pair limit", async () => {
    const user = await auth.signup();
    const home = newNetwork();
    for (let i = 0; i < 3; i++)
      expect((await fail(auth, user.email, home.next())).status).toBe(401);
    await expectLocked(await attempt(auth, user.email, user.password, home.next()));
    // The neighbouring /64 is someone else: its right password goes through.
    const neighbour = from(`2a00:1450:${home.n.toString(16)}:8::1`);
    expect((await attempt(auth, user.email, user.password, neighbour)).status).toBe(200);
  });

  test("spraying from changing addresses of one /64 trips the address bound", async () => {
    const sprayer = newNetwork();
    for (let i = 0; i < 4; i++)
      expect((await fail(auth, uniqueEmail("spray6"), sprayer.next())).status).toBe(401);
    const user = await auth.signup();
    await expectLocked(await attempt(auth, user.email, user.password, sprayer.next()));
  });

  test("an IPv4 address written as IPv6 is that IPv4 address", async () => {
    const user = await auth.signup();
    const { "x-forwarded-for": v4 } = newAddress() as { "x-forwarded-for": string };
    for (let i = 0; i < 3; i++) await fail(auth, user.email, from(v4));
    await expectLocked(await attempt(auth, user.email, user.password, from(`::ffff:${v4}`)));
  });
});

describe("login throttling settings", () => {
  test("default to a tight pair limit and high account and address bounds", () => {
    const config = loadAuthConfig({});
    expect(config.AUTH_LOGIN_MAX_FAILURES_PER_PAIR).toBe(5);
    expect(config.AUTH_LOGIN_MAX_FAILURES_PER_ACCOUNT).toBe(50);
    expect(config.AUTH_LOGIN_MAX_FAILURES_PER_ADDRESS).toBe(100);
    expect(config.AUTH_LOGIN_ADDRESS_ALLOWLIST).toEqual([]);
  });

  test("the allow-list takes addresses and CIDR ranges of both families", () => {
    const config = loadAuthConfig({
      AUTH_LOGIN_ADDRESS_ALLOWLIST: " 203.0.113.7, 10.0.0.0/8,2001:db8::/32 ,",
    });
    expect(config.AUTH_LOGIN_ADDRESS_ALLOWLIST).toEqual([
      { network: "203.0.113.7", prefix: 32, family: "ipv4" },
      { network: "10.0.0.0", prefix: 8, family: "ipv4" },
      { network: "2001:db8::", prefix: 32, family: "ipv6" },
    ]);
  });

  test("a bad allow-list entry stops start-up, named with the other bad variables", () => {
    const load = () =>
      loadAuthConfig({
        AUTH_LOGIN_ADDRESS_ALLOWLIST: "10.0.0.0/8, office, 10.0.0.0/33, ::1/129, 1.2.3.4/x",
        AUTH_LOGIN_MAX_FAILURES_PER_PAIR: "0",
      });
    expect(load).toThrow(ConfigError);
    let message = "";
    try {
      load();
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("AUTH_LOGIN_MAX_FAILURES_PER_PAIR");
    const line = message.split("\n").find((l) => l.includes("AUTH_LOGIN_ADDRESS_ALLOWLIST"));
    expect(line).toContain('"office", "10.0.0.0/33", "::1/129", "1.2.3.4/x"');
    expect(line).not.toContain('"10.0.0.0/8"');
    expect(line).toContain("at most /32 for IPv4, /128 for IPv6");
  });
});
