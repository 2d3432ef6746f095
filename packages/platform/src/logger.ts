import { context, trace } from "@opentelemetry/api";
import pino, { type DestinationStream, type Logger } from "pino";
import { currentRequest } from "./request-context.ts";

export type { Logger } from "pino";

const SECRET_KEYS = [
  "password",
  "newPassword",
  "passwordHash",
  "token",
  "accessToken",
  "refreshToken",
  "refresh_token",
  "authorization",
  "cookie",
  "set-cookie",
  "secret",
  "privateKey",
  "ott",
];

/** Redaction covers secrets at the top level and up to three objects deep (e.g. `req.headers.cookie`). */
export const REDACT_PATHS = SECRET_KEYS.flatMap((key) => {
  const k = /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `["${key}"]`;
  return [k.slice(k.startsWith(".") ? 1 : 0), `*${k}`, `*.*${k}`, `*.*.*${k}`];
});

export interface LoggerOptions {
  service: string;
  level: string;
  destination?: DestinationStream;
}

/** JSON logs with service, request id and the active trace/span ids on every line. */
export function createLogger({ service, level, destination }: LoggerOptions): Logger {
  return pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      mixin() {
        const fields: Record<string, string> = {};
        const request = currentRequest();
        if (request) fields.requestId = request.requestId;
        const spanContext = trace.getSpan(context.active())?.spanContext();
        if (spanContext) {
          fields.traceId = spanContext.traceId;
          fields.spanId = spanContext.spanId;
        }
        return fields;
      },
    },
    destination ?? pino.destination({ sync: false }),
  );
}
