import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type AuthHarness, bearer, expectProblem, startAuth } from "./harness.ts";
import { runTokenAttackTests } from "./token-attacks.ts";

let auth: AuthHarness;
beforeAll(async () => {
  auth = await startAuth();
});
afterAll(() => auth.close());

describe("GET /auth/me", () => {
  test("returns the caller's account", async () => {
    const user = await auth.signup({ name: "Zoë" });
    const { accessToken } = await auth.login(user.email, user.password);
    const response = await auth.get("/auth/me", bearer(accessToken));
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, string>;
    expect(body).toEqual({
      id: user.id,
      email: user.email,
      name: "Zoë",
      createdAt: expect.any(String),
    });
  });

  test("a token is refused once its exp has passed, even if it was verified before", async () => {
    const short = await startAuth({ AUTH_ACCESS_TOKEN_TTL_SECONDS: "60" });
    try {
      const user = await short.signup();
      // Issued 59 s in the past: valid for one more second.
      short.advance(-59);
      const { accessToken } = await short.login(user.email, user.password);
      expect((await short.get("/auth/me", bearer(accessToken))).status).toBe(200);
      await Bun.sleep(1100);
      await expectProblem(await short.get("/auth/me", bearer(accessToken)), 401);
    } finally {
      await short.close();
    }
  });

  describe("token attacks", () => {
    runTokenAttackTests(
      () => auth,
      async (h) => ({
        userId: (await h.signup()).id,
        send: (headers) => h.get("/auth/me", headers),
      }),
    );
  });
});
