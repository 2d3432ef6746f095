import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { type AuthHarness, expectProblem, startAuth, uniqueEmail } from "./harness.ts";

let auth: AuthHarness;
beforeAll(async () => {
  auth = await startAuth();
});
afterAll(() => auth.close());

describe("POST /auth/login", () => {
  test("returns tokens, the user and the refresh cookie", async () => {
    const user = await auth.signup();
    const response = await auth.post("/auth/login", {
      email: user.email.toUpperCase(),
      password: user.password,
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.tokenType).toBe("Bearer");
    expect(body.expiresIn).toBe(900);
    expect(body.user).toEqual({ id: user.id, email: user.email, name: "Test User" });
    expect(body.refreshToken).toMatch(/^[\w-]{43}$/);

    const header = decodeProtectedHeader(body.accessToken as string);
    expect(header.alg).toBe("ES256");
    expect(header.kid).toBeString();
    const claims = decodeJwt(body.accessToken as string);
    expect(claims.sub).toBe(user.id);
    expect(claims.iss).toBe("hangout-planner-auth");
    expect(claims.aud).toBe("hangout-planner");
    expect(claims.exp! - claims.iat!).toBe(900);

    const cookie = response.headers.get("set-cookie")!;
    expect(cookie).toContain(`refresh_token=${body.refreshToken}`);
    for (const attribute of ["HttpOnly", "Secure", "SameSite=Strict", "Path=/auth"]) {
      expect(cookie).toContain(attribute);
    }
  });

  test("unknown email and wrong password get the same 401", async () => {
    const user = await auth.signup();
    const wrong = await expectProblem(
      await auth.post("/auth/login", { email: user.email, password: "wrong password" }),
      401,
    );
    const unknown = await expectProblem(
      await auth.post("/auth/login", { email: uniqueEmail("ghost"), password: "wrong password" }),
      401,
    );
    expect(unknown).toEqual(wrong);
  });

  test("422 for a missing password", async () => {
    const problem = await expectProblem(await auth.post("/auth/login", { email: "a@b.co" }), 422);
    expect(problem.errors).toEqual([{ path: "/password", message: "is required" }]);
  });
});
