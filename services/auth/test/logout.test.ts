import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type AuthHarness, bearer, expectProblem, startAuth } from "./harness.ts";
import { runTokenAttackTests } from "./token-attacks.ts";

let auth: AuthHarness;
beforeAll(async () => {
  auth = await startAuth();
});
afterAll(() => auth.close());

const loggedIn = async () => {
  const user = await auth.signup();
  return auth.login(user.email, user.password);
};

describe("POST /auth/logout", () => {
  test("204, clears the cookie and revokes the family", async () => {
    const session = await loggedIn();
    const rotated = (await (
      await auth.post("/auth/refresh", { refreshToken: session.refreshToken })
    ).json()) as { refreshToken: string };
    const response = await auth.post(
      "/auth/logout",
      { refreshToken: rotated.refreshToken },
      bearer(session.accessToken),
    );
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
    const cookie = response.headers.get("set-cookie")!;
    expect(cookie).toContain("refresh_token=;");
    expect(cookie).toContain("Max-Age=0");
    expect(cookie).toContain("Path=/auth");
    await expectProblem(
      await auth.post("/auth/refresh", { refreshToken: rotated.refreshToken }),
      401,
    );
  });

  test("takes the refresh token from the cookie", async () => {
    const session = await loggedIn();
    const response = await auth.post("/auth/logout", undefined, {
      ...bearer(session.accessToken),
      cookie: `refresh_token=${session.refreshToken}`,
    });
    expect(response.status).toBe(204);
    await expectProblem(
      await auth.post("/auth/refresh", { refreshToken: session.refreshToken }),
      401,
    );
  });

  test("is harmless to repeat", async () => {
    const session = await loggedIn();
    for (let i = 0; i < 2; i++) {
      const response = await auth.post(
        "/auth/logout",
        { refreshToken: session.refreshToken },
        bearer(session.accessToken),
      );
      expect(response.status).toBe(204);
    }
  });

  test("401 without a refresh token, or with another user's", async () => {
    const mine = await loggedIn();
    const theirs = await loggedIn();
    await expectProblem(await auth.post("/auth/logout", {}, bearer(mine.accessToken)), 401);
    await expectProblem(
      await auth.post(
        "/auth/logout",
        { refreshToken: theirs.refreshToken },
        bearer(mine.accessToken),
      ),
      401,
    );
    // Their login is untouched.
    expect((await auth.post("/auth/refresh", { refreshToken: theirs.refreshToken })).status).toBe(
      200,
    );
  });

  describe("token attacks", () => {
    runTokenAttackTests(
      () => auth,
      async (h) => {
        const user = await h.signup();
        const session = await h.login(user.email, user.password);
        return {
          userId: user.id,
          async send(headers) {
            const response = await h.post(
              "/auth/logout",
              { refreshToken: session.refreshToken },
              headers,
            );
            // A refused call must leave the session alive.
            if (response.status === 401) {
              const refreshed = await h.post("/auth/refresh", {
                refreshToken: session.refreshToken,
              });
              expect(refreshed.status).toBe(200);
              session.refreshToken = (
                (await refreshed.json()) as { refreshToken: string }
              ).refreshToken;
            }
            return response;
          },
        };
      },
    );
  });
});
