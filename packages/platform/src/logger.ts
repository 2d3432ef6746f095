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

/** Objects that carry request or error data; secrets are redacted at the top level and in these. */
const CONTAINERS = ["", "req.headers", "headers", "body", "input", "err", "user"];

/**
 * Explicit paths only: pino's wildcard paths (`*.password`) cost far more per line
 * (docs/decisions/0011-hot-path-settings.md).
 * Nothing logs bodies or headers wholesale, so these paths are a safety net, not the mechanism.
 */
export const REDACT_PATHS = CONTAINERS.flatMap((container) =>
  SECRET_KEYS.map((key) => {
    const segment = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`;
    if (!container) return segment;
    return segment.startsWith("[") ? `${container}${segment}` : `${container}.${segment}`;
  }),
);

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
    // minLength 1 still writes every line at once, but makes flush(cb) wait for the write in
    // flight: with the default 0 it calls back at once, and a line logged just before
    // process.exit (the shutdown's "stopped") was lost about one time in twenty.
    destination ?? pino.destination({ sync: false, minLength: 1 }),
  );
}
