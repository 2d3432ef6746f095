import { type Context, context, createContextKey } from "@opentelemetry/api";

/**
 * Per-request state carried in the OpenTelemetry context, so the logger, the metrics and any
 * code deep in a service see the same request id and route without passing them around.
 */
export interface RequestState {
  requestId: string;
  /** The matched route template (`/auth/me`), set once the router has matched. */
  route?: string;
  /** The socket peer's address, looked up on first use (only some routes need it). */
  clientAddress(): string | undefined;
}

const REQUEST_STATE = createContextKey("hangout.request-state");

export const withRequestState = (ctx: Context, state: RequestState) =>
  ctx.setValue(REQUEST_STATE, state);

export const currentRequest = (): RequestState | undefined =>
  context.active().getValue(REQUEST_STATE) as RequestState | undefined;
