import type { components } from "./generated/auth.ts";

/** An RFC 9457 problem as every service answers errors (`errors` names the fields at fault). */
export type Problem = components["schemas"]["Problem"];

/** A failed request, carrying its problem so a form can show each message next to its field. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail ?? problem.title);
  }

  /** The messages by field name: "/emails/0" counts as "emails"; the rest under "". */
  fields(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const error of this.problem.errors ?? []) {
      const field = error.path.split("/")[1] ?? "";
      out[field] ??= error.message;
    }
    return out;
  }
}

/** What to show for a failure that is not a field's: the problem's own words. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) {
    const detail = error.problem.detail;
    return detail && detail !== error.problem.title ? detail : error.problem.title;
  }
  if (error instanceof TypeError) return "The server could not be reached. Try again.";
  return "Something went wrong. Try again.";
}

/** Turns a response that is not ok into an ApiError (a body that is not a problem included). */
export function toApiError(status: number, body: unknown): ApiError {
  const problem =
    body && typeof body === "object" && "title" in body
      ? (body as Problem)
      : { type: "about:blank", title: `The request failed (${status})`, status };
  return new ApiError(status, problem);
}
