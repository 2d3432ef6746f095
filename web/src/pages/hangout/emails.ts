/** The invite form's addresses: read from what was typed, and named in the API's errors. */
import { ApiError } from "../../api/problem.ts";

/** The addresses typed, however separated: commas, semicolons, spaces or new lines. */
export function splitEmails(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/).filter(Boolean))];
}

/** The API names a bad address by its index (`/emails/2`): the message names the address. */
export function namingAddresses(error: unknown, emails: string[]): unknown {
  if (!(error instanceof ApiError) || !error.problem.errors) return error;
  const messages: string[] = [];
  const others = error.problem.errors.filter((e) => {
    const index = /^\/emails\/(\d+)/.exec(e.path)?.[1];
    if (index === undefined) return true;
    messages.push(`${emails[Number(index)] ?? ""}: ${e.message}`);
    return false;
  });
  if (messages.length === 0) return error;
  const errors = [...others, { path: "/emails", message: messages.join("; ") }];
  return new ApiError(error.status, { ...error.problem, errors });
}

export const noAddress = () =>
  new ApiError(422, {
    type: "about:blank",
    title: "Enter at least one email address",
    status: 422,
    errors: [{ path: "/emails", message: "Enter at least one email address." }],
  });
