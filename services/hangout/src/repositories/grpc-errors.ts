import { AppError } from "@hangout/platform/errors";
import { ClientError, Status } from "nice-grpc";

/** gRPC failures that mean "the other service cannot answer now": 503 to our caller. */
const UNAVAILABLE = new Set([
  Status.UNAVAILABLE,
  Status.DEADLINE_EXCEEDED,
  Status.RESOURCE_EXHAUSTED,
  Status.CANCELLED,
]);

/**
 * Runs a call to another service. An unreachable service becomes a 503 problem naming it (the
 * caller may retry); anything else stays an internal error, since our own input to it was
 * already validated.
 */
export async function callService<T>(service: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof ClientError && UNAVAILABLE.has(error.code)) {
      throw new AppError("unavailable", `The ${service} service is unavailable; try again`, {
        cause: error,
        retryAfterSeconds: 5,
      });
    }
    throw error;
  }
}
