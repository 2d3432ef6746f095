import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type AuthHarness, bearer, expectProblem, type LoginBody, startAuth } from "./harness.ts";

let auth: AuthHarness;
beforeAll(async () => {
  auth = await startAuth();
});
afterAll(() => auth.close());

const refresh = (token: string) => auth.post("/auth/refresh", { refreshToken: token });
const loggedIn = async () => {
  const user = await auth.signup();
  return { user, session: await auth.login(user.email, user.password) };
};

describe("POST /auth/refresh", () => {
  test("rotates: new tokens of the same shape, a new cookie, and the access token works", async () => {
    const { user, session } = await loggedIn();
    const response = await refresh(session.refreshToken);
    expect(response.status).toBe(200);
    const body = (await response.json()) as LoginBody;
    expect(body.refreshToken).not.toBe(session.refreshToken);
    expect(body.user).toEqual({ id: user.id, email: user.email, name: "Test User" });
    expect(response.headers.get("set-cookie")).toContain(`refresh_token=${body.refreshToken}`);
    expect((await auth.get("/auth/me", bearer(body.accessToken))).status).toBe(200);
  });

  test("takes the token from the cookie when the body has none", async () => {
    const { session } = await loggedIn();
    const response = await auth.post("/auth/refresh", undefined, {
      cookie: `refresh_token=${session.refreshToken}`,
    });
    expect(response.status).toBe(200);
  });

  test("401 for a missing, unknown or malformed token", async () => {
    await expectProblem(await auth.post("/auth/refresh", {}), 401);
    await expectProblem(await refresh("A".repeat(43)), 401);
    await expectProblem(await auth.post("/auth/refresh", { refreshToken: 42 }), 422);
  });

  test("401 once the refresh token has expired", async () => {
    const { session } = await loggedIn();
    auth.advance(30 * 24 * 3600 + 1);
    try {
      await expectProblem(await refresh(session.refreshToken), 401);
    } finally {
      auth.advance(-(30 * 24 * 3600 + 1));
    }
  });

  test("reusing a rotated token revokes the whole family", async () => {
    const { session } = await loggedIn();
    const second = (await (await refresh(session.refreshToken)).json()) as LoginBody;
    const third = (await (await refresh(second.refreshToken)).json()) as LoginBody;

    // The first token again: a replay. Refused, and every descendant dies with it.
    await expectProblem(await refresh(session.refreshToken), 401);
    await expectProblem(await refresh(third.refreshToken), 401);
    expect(
      auth.logs.some((l) => l.msg === "refresh token reuse detected; session family revoked"),
    ).toBe(true);
  });

  test("reuse in one login does not touch the user's other logins", async () => {
    const user = await auth.signup();
    const phone = await auth.login(user.email, user.password);
    const laptop = await auth.login(user.email, user.password);
    await refresh(phone.refreshToken);
    await expectProblem(await refresh(phone.refreshToken), 401);
    expect((await refresh(laptop.refreshToken)).status).toBe(200);
  });

  // Repeated because the race is timing-dependent: a locking read through the hash index once
  // deadlocked the losers against the winner's insert (a 500 in about one round in fifteen).
  test("concurrent refreshes with one token: exactly one wins, the others get 401, never 500", async () => {
    for (let round = 0; round < 25; round++) {
      const { session } = await loggedIn();
      const responses = await Promise.all(
        Array.from({ length: 5 }, () => refresh(session.refreshToken)),
      );
      const statuses = responses.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 401, 401, 401, 401]);
    }
  });
});
