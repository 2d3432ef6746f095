import { describe, expect, test } from "bun:test";
import { AppError, errorCodes, problemResponse, toProblem } from "./errors.ts";

describe("problem+json", () => {
  test.each(Object.entries(errorCodes))(
    "%s maps to its status and title",
    (code, { status, title }) => {
      const problem = toProblem(
        new AppError(code as keyof typeof errorCodes, "Something specific"),
      );
      expect(problem.status).toBe(status);
      expect(problem.title).toBe(title);
      expect(problem.type).toBe(`https://hangout-planner.dev/problems/${code}`);
    },
  );

  test("422 carries field errors", () => {
    const problem = toProblem(
      new AppError("validation_failed", "bad", {
        errors: [{ path: "/email", message: "Required" }],
      }),
    );
    expect(problem.errors).toEqual([{ path: "/email", message: "Required" }]);
  });

  test("an unexpected error is a bare 500: no message, no stack", async () => {
    const response = problemResponse(new Error("connection to db-7.internal:3306 refused"));
    expect(response.status).toBe(500);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    const text = await response.text();
    expect(text).not.toContain("db-7");
    expect(JSON.parse(text)).toEqual({
      type: "https://hangout-planner.dev/problems/internal",
      title: "Internal server error",
      status: 500,
    });
  });

  test("an AppError 500 hides its detail too", () => {
    expect(toProblem(new AppError("internal", "secret internals")).detail).toBeUndefined();
  });

  test("429 sets Retry-After in whole seconds, at least 1", () => {
    const response = problemResponse(
      new AppError("rate_limited", "slow down", { retryAfterSeconds: 0.2 }),
    );
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("1");
    expect(
      problemResponse(new AppError("rate_limited", "x", { retryAfterSeconds: 61.5 })).headers.get(
        "retry-after",
      ),
    ).toBe("62");
  });
});
