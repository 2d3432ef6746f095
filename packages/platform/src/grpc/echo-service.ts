import { trace } from "@opentelemetry/api";
import { type CallContext, ServerError, Status } from "nice-grpc";
import { callerOf } from "./server.ts";

// A tiny JSON-encoded service for the gRPC tests: real grpc-js framing, no generated code.

export interface EchoRequest {
  text: string;
  /** The handler waits this long before answering. */
  delayMs?: number;
}

export interface EchoResponse {
  text: string;
  /** The trace and span id active inside the handler's `echo.work` span, after an await. */
  traceId: string;
  spanId: string;
  /** `callerOf(context)` inside the handler. */
  caller: string | null;
}

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const decode = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes));

export const EchoDefinition = {
  echo: {
    path: "/test.v1.Echo/Echo",
    requestStream: false,
    responseStream: false,
    requestSerialize: (value: EchoRequest) => encode(value),
    requestDeserialize: (bytes: Uint8Array): EchoRequest => decode(bytes),
    responseSerialize: (value: EchoResponse) => encode(value),
    responseDeserialize: (bytes: Uint8Array): EchoResponse => decode(bytes),
    options: {},
  },
} as const;

/** Echoes `text`; INVALID_ARGUMENT when it is empty. Does its work in a span of its own. */
export function echoService() {
  return {
    async echo(request: EchoRequest, context: CallContext): Promise<EchoResponse> {
      if (!request.text) throw new ServerError(Status.INVALID_ARGUMENT, "text is required");
      if (request.delayMs) await Bun.sleep(request.delayMs);
      return trace.getTracer("echo").startActiveSpan("echo.work", async (span) => {
        await Bun.sleep(1); // an await inside the handler's span, across which context must hold
        const active = trace.getActiveSpan()?.spanContext();
        span.end();
        return {
          text: request.text,
          traceId: active?.traceId ?? "",
          spanId: active?.spanId ?? "",
          caller: callerOf(context) ?? null,
        };
      });
    },
  };
}
