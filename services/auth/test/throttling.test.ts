import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type AuthHarness, expectProblem, startAuth, uniqueEmail } from "./harness.ts";

// Tight limits so the tests reach them quickly; the service's clock is moved instead of sleeping.
const limits = {
  AUTH_LOGIN_MAX_FAILURES_PER_ACCOUNT: "3",
  AUTH_LOGIN_MAX_FAILURES_PER_ADDRESS: "6",
  AUTH_LOGIN_FAILURE_WINDOW_SECONDS: "600",
  AUTH_LOGIN_LOCKOUT_SECONDS: "300",
  AUTH_TRUST_PROXY: "true",
};

let auth: Awaited<ReturnType<typeof startAuth>>;
beforeAll(async () => {
  auth = await startAuth(limits);
});
afterAll(() => auth.close());

let addressCounter = 0;
const newAddress = () => ({ "x-forwarded-for": `203.0.113.${++addressCounter}` });
const fail = (h: AuthHarness, email: string, from: Record<string, string>) =>
  h.post("/auth/login", { email, password: "wrong password" }, from);

describe("login throttling", () => {
  test("locks the account after repeated failures, even for the right password", async () => {
    const user = await auth.signup();
    for (let i = 0; i < 3; i++)
      expect((await fail(auth, user.email, newAddress())).status).toBe(401);
    const locked = await auth.post(
      "/auth/login",
      { email: user.email, password: user.password },
      newAddress(),
    );
    await expectProblem(locked, 429);
    const retryAfter = Number(locked.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(290);
    expect(retryAfter).toBeLessThanOrEqual(300);
  });

  test("the lock lifts after the lockout and a success resets the count", async () => {
    const user = await auth.signup();
    for (let i = 0; i < 3; i++) await fail(auth, user.email, newAddress());
    expect((await fail(auth, user.email, newAddress())).status).toBe(429);
    auth.advance(301);
    await auth.login(user.email, user.password, newAddress());
    // The success cleared the account's count: two more failures are not yet a lock.
    for (let i = 0; i < 2; i++)
      expect((await fail(auth, user.email, newAddress())).status).toBe(401);
    await auth.login(user.email, user.password, newAddress());
  });

  test("failures outside the window do not add up", async () => {
    const user = await auth.signup();
    for (let i = 0; i < 2; i++) await fail(auth, user.email, newAddress());
    auth.advance(601);
    for (let i = 0; i < 2; i++)
      expect((await fail(auth, user.email, newAddress())).status).toBe(401);
    await auth.login(user.email, user.password, newAddress());
  });

  test("unknown accounts are throttled like real ones", async () => {
    const ghost = uniqueEmail("ghost");
    for (let i = 0; i < 3; i++) expect((await fail(auth, ghost, newAddress())).status).toBe(401);
    expect((await fail(auth, ghost, newAddress())).status).toBe(429);
  });

  test("locks a client address that tries many accounts", async () => {
    const address = newAddress();
    for (let i = 0; i < 6; i++)
      expect((await fail(auth, uniqueEmail("spray"), address)).status).toBe(401);
    const user = await auth.signup();
    const blocked = await auth.post(
      "/auth/login",
      { email: user.email, password: user.password },
      address,
    );
    await expectProblem(blocked, 429);
    await auth.login(user.email, user.password, newAddress());
  });

  test("concurrent failures all count", async () => {
    const user = await auth.signup();
    await Promise.all(Array.from({ length: 3 }, () => fail(auth, user.email, newAddress())));
    expect((await fail(auth, user.email, newAddress())).status).toBe(429);
  });

  test("the lock survives a restart of the service", async () => {
    const user = await auth.signup();
    for (let i = 0; i < 3; i++) await fail(auth, user.email, newAddress());
    await auth.close(true);
    auth = await startAuth(limits, { database: auth.database, privateKey: auth.privateKey });
    const response = await auth.post(
      "/auth/login",
      { email: user.email, password: user.password },
      newAddress(),
    );
    await expectProblem(response, 429);
  });
});
