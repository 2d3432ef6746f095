import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type AuthHarness, expectProblem, startAuth, uniqueEmail } from "./harness.ts";

/*
 * The reproducers of issue 16 against auth: a deeply nested password blocked the service for
 * seconds, a deeply nested name crashed the error mapping (500), a lone surrogate in a name was
 * stored as U+FFFD.
 */

let auth: AuthHarness;
beforeAll(async () => {
  auth = await startAuth();
});
afterAll(() => auth.close());

const nested = (depth: number, leaf: string) => "[".repeat(depth) + leaf + "]".repeat(depth);

describe("hostile input to auth", () => {
  test("a login password nested 20,000 deep is 400 at once; /readyz does not wait", async () => {
    const started = performance.now();
    const [login, ready] = await Promise.all([
      auth.post("/auth/login", `{"email":"a@b.co","password":${nested(20_000, '"x"')}}`),
      fetch(`${auth.url}/readyz`),
    ]);
    await expectProblem(login, 400);
    expect(ready.status).toBe(200);
    // The old path took many seconds; this bound only rules that out on a loaded machine.
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  test("a sign-up name nested 5,000 deep is 400, not a 500", async () => {
    const body = `{"email":"${uniqueEmail()}","password":"correct horse","name":${nested(5_000, '"x"')}}`;
    await expectProblem(await auth.post("/auth/signup", body), 400);
  });

  test("a lone surrogate in the name is 422 on /name, and the address stays free", async () => {
    const email = uniqueEmail();
    const problem = await expectProblem(
      await auth.post(
        "/auth/signup",
        `{"email":"${email}","password":"correct horse","name":"Ann \\ud800"}`,
      ),
      422,
    );
    expect(problem.errors?.map((e) => e.path)).toEqual(["/name"]);
    const ok = await auth.post("/auth/signup", { email, password: "correct horse", name: "Ann" });
    expect(ok.status).toBe(201);
  });

  test("GET on a POST-only route is 405 with Allow; a form body is 415", async () => {
    const wrong = await auth.get("/auth/login");
    await expectProblem(wrong, 405);
    expect(wrong.headers.get("allow")).toBe("POST");
    const form = await fetch(`${auth.url}/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "email=a%40b.co&password=x",
    });
    await expectProblem(form, 415);
  });
});
