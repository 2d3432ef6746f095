import { mysqlErrorCode } from "./db.ts";
import { AppError } from "./errors.ts";

/**
 * Error codes that say a dependency could not be reached or refused new work (down, restarting,
 * out of connections) rather than that the request was wrong: from Node's sockets, mysql2 and
 * Bun's MySQL client. Repeating the request shortly may succeed, so callers get 503 (HTTP) or
 * UNAVAILABLE (gRPC), which clients and the edge retry, instead of a 500 that reads as a bug.
 */
const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  // mysql2: the socket closed under a statement, the server took too long, or is shutting down
  // or out of connections.
  "PROTOCOL_CONNECTION_LOST",
  "PROTOCOL_SEQUENCE_TIMEOUT",
  "ER_CON_COUNT_ERROR",
  "ER_SERVER_SHUTDOWN",
  // Bun's client (its server errors go through mysqlErrorCode's errno names above).
  "ERR_MYSQL_CONNECTION_REFUSED",
  "ERR_MYSQL_CONNECTION_CLOSED",
  "ERR_MYSQL_CONNECTION_TIMEOUT",
  "ERR_MYSQL_IDLE_TIMEOUT",
  "ERR_MYSQL_LIFETIME_TIMEOUT",
]);

/** How long a client should wait before trying again, in the 503's Retry-After. */
const RETRY_AFTER_UNREACHABLE_SECONDS = 5;

/** True when `error` (or a cause it wraps) says a dependency could not be reached. */
export const isUnreachable = (error: unknown) => UNREACHABLE.has(mysqlErrorCode(error) ?? "");

/** The 503 an unreachable dependency becomes; the original error is its cause, for the log. */
export const unreachableError = (error: unknown) =>
  new AppError("unavailable", "A service this one depends on is unreachable; try again shortly", {
    cause: error,
    retryAfterSeconds: RETRY_AFTER_UNREACHABLE_SECONDS,
  });
