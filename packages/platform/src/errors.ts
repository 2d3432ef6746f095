/**
 * The one error type of the platform and its RFC 9457 problem+json form. Every failure a client
 * sees goes through `toProblem`, so the list of codes below is the whole vocabulary of the API.
 */
export const errorCodes = {
  bad_request: { status: 400, title: "Malformed request" },
  unauthorized: { status: 401, title: "Unauthorized" },
  forbidden: { status: 403, title: "Forbidden" },
  not_found: { status: 404, title: "Not found" },
  method_not_allowed: { status: 405, title: "Method not allowed" },
  conflict: { status: 409, title: "Conflict" },
  payload_too_large: { status: 413, title: "Payload too large" },
  uri_too_long: { status: 414, title: "URI too long" },
  unsupported_media_type: { status: 415, title: "Unsupported media type" },
  validation_failed: { status: 422, title: "Validation failed" },
  rate_limited: { status: 429, title: "Too many requests" },
  headers_too_large: { status: 431, title: "Request header fields too large" },
  internal: { status: 500, title: "Internal server error" },
  unavailable: { status: 503, title: "Service unavailable" },
} as const;

export type ErrorCode = keyof typeof errorCodes;

export interface FieldError {
  /** JSON pointer to the offending field, e.g. `/password`. */
  path: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
}

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    detail?: string,
    readonly extra: {
      errors?: FieldError[];
      retryAfterSeconds?: number;
      /** The methods a path serves, for a 405's Allow header. */
      allow?: string[];
      cause?: unknown;
    } = {},
  ) {
    super(detail ?? errorCodes[code].title, { cause: extra.cause });
    this.name = "AppError";
    this.status = errorCodes[code].status;
  }
}

/** A 422 naming the fields that are wrong, as schema validation reports them. */
export const invalidFields = (errors: FieldError[]) =>
  new AppError("validation_failed", "The request has invalid fields", { errors });

export const problemType = (code: ErrorCode) => `https://hangout-planner.dev/problems/${code}`;

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** Maps any thrown value to a problem. Unknown errors become a bare 500 with no internals. */
export function toProblem(error: unknown, instance?: string): Problem {
  const appError = error instanceof AppError ? error : new AppError("internal");
  const { status, title } = errorCodes[appError.code];
  const problem: Problem = { type: problemType(appError.code), title, status };
  if (appError.code !== "internal" && appError.message !== title) problem.detail = appError.message;
  if (instance) problem.instance = instance;
  if (appError.extra.errors) problem.errors = appError.extra.errors;
  return problem;
}

export function problemResponse(error: unknown, instance?: string): Response {
  const problem = toProblem(error, instance);
  const headers = new Headers({ "content-type": PROBLEM_CONTENT_TYPE });
  if (error instanceof AppError && error.extra.retryAfterSeconds !== undefined) {
    headers.set("retry-after", String(Math.max(1, Math.ceil(error.extra.retryAfterSeconds))));
  }
  if (error instanceof AppError && error.extra.allow)
    headers.set("allow", error.extra.allow.join(", "));
  return new Response(JSON.stringify(problem), { status: problem.status, headers });
}
