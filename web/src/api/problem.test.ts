import { describe, expect, test } from "bun:test";
import { ApiError, messageOf, toApiError } from "./problem.ts";

describe("ApiError", () => {
  test("spreads a problem's messages over the fields it names", () => {
    const error = toApiError(422, {
      type: "about:blank",
      title: "The request has invalid fields",
      status: 422,
      errors: [
        { path: "/password", message: "must be at least 8 characters" },
        { path: "/emails/1", message: "must be an email address" },
        { path: "/emails/2", message: "a second message for the same field" },
        { path: "", message: "the body as a whole" },
      ],
    });
    expect(error.fields()).toEqual({
      password: "must be at least 8 characters",
      emails: "must be an email address",
      "": "the body as a whole",
    });
  });

  test("a body that is not a problem still makes a readable error", () => {
    const error = toApiError(502, "<html>Bad gateway</html>");
    expect(error).toBeInstanceOf(ApiError);
    expect(error.fields()).toEqual({});
    expect(messageOf(error)).toBe("The request failed (502)");
  });

  test("the detail is preferred to the title, and a network failure says so", () => {
    const problem = { type: "x", title: "Not found", status: 404, detail: "No such hangout" };
    expect(messageOf(toApiError(404, problem))).toBe("No such hangout");
    expect(messageOf(new TypeError("Failed to fetch"))).toContain("could not be reached");
  });
});
