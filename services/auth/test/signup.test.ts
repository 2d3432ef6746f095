import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type AuthHarness, expectProblem, startAuth, uniqueEmail } from "./harness.ts";

let auth: AuthHarness;
beforeAll(async () => {
  auth = await startAuth();
});
afterAll(() => auth.close());

describe("POST /auth/signup", () => {
  test("creates an account with a UUIDv7 id and a lower-cased email", async () => {
    const email = uniqueEmail("Mixed.Case").replace("mixed", "MiXeD");
    const response = await auth.post("/auth/signup", {
      email: `  ${email.toUpperCase()} `.trim(),
      password: "correct horse battery",
      name: "  Ann  ",
    });
    expect(response.status).toBe(201);
    const body = (await response.json()) as Record<string, string>;
    expect(Object.keys(body).sort()).toEqual(["createdAt", "email", "id", "name"]);
    expect(body.id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(body.email).toBe(email.toLowerCase());
    expect(body.name).toBe("Ann");
    expect(new Date(body.createdAt!).toISOString()).toBe(body.createdAt!);
  });

  test("the email is unique regardless of case: 409", async () => {
    const { email } = await auth.signup();
    const response = await auth.post("/auth/signup", {
      email: email.toUpperCase(),
      password: "another password",
      name: "Copycat",
    });
    const problem = await expectProblem(response, 409);
    expect(problem.detail).toContain("already exists");
  });

  test.each([
    ["email", { email: "not-an-email" }, "/email"],
    ["missing email", { email: undefined }, "/email"],
    ["short password", { password: "seven77" }, "/password"],
    ["long password", { password: "x".repeat(129) }, "/password"],
    ["empty name", { name: "" }, "/name"],
    ["blank name", { name: "   " }, "/name"],
    ["long name", { name: "n".repeat(101) }, "/name"],
  ])("422 for %s, naming the field and never echoing values", async (_, change, path) => {
    const input: Record<string, unknown> = {
      email: uniqueEmail(),
      password: "secret-password-123",
      name: "Val",
      ...change,
    };
    const response = await auth.post("/auth/signup", input);
    const text = await response.clone().text();
    const problem = await expectProblem(response, 422);
    expect(problem.errors?.map((e) => e.path)).toContain(path);
    expect(text).not.toContain("secret-password-123");
    expect(text).not.toContain(String(input.email));
  });

  test("unknown fields are refused with 422 naming each; nothing is stored", async () => {
    const email = uniqueEmail();
    const problem = await expectProblem(
      await auth.post("/auth/signup", {
        email,
        password: "correct horse battery",
        name: "Mallory",
        id: "00000000-0000-7000-8000-000000000000",
        passwordHash: "x",
      }),
      422,
    );
    expect(problem.errors).toEqual([
      { path: "/id", message: "is not a known field" },
      { path: "/passwordHash", message: "is not a known field" },
    ]);
    // The address is still free: the refused request created nothing.
    const created = await auth.post("/auth/signup", {
      email,
      password: "correct horse battery",
      name: "Mallory",
    });
    expect(created.status).toBe(201);
  });

  test("accepts passwords of exactly 8 and 128 characters", async () => {
    for (const password of ["x".repeat(8), "y".repeat(128)]) {
      const response = await auth.post("/auth/signup", {
        email: uniqueEmail(),
        password,
        name: "Edge",
      });
      expect(response.status).toBe(201);
    }
  });

  test("malformed JSON is 400 problem+json", async () => {
    await expectProblem(await auth.post("/auth/signup", '{"email": "a@b.c", "password": '), 400);
  });

  test("a body over the size limit is 413 and nothing is stored", async () => {
    const email = uniqueEmail("big");
    const response = await auth.post("/auth/signup", {
      email,
      password: "correct horse battery",
      name: "x".repeat(2 * 1024 * 1024),
    });
    await expectProblem(response, 413);
    const login = await auth.post("/auth/login", { email, password: "correct horse battery" });
    expect(login.status).toBe(401);
  });
});
