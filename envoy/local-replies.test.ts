import { describe, expect, test } from "bun:test";
import {
  type ErrorCode,
  errorCodes,
  PROBLEM_CONTENT_TYPE,
  problemType,
} from "@hangout/platform/errors";
import {
  MAX_HEADERS_SIZE,
  MAX_URL_LENGTH,
  PARSER_HEADER_LIMIT_FLAG,
} from "@hangout/platform/request-limits";
import { findHttpConnectionManagers, type JsonObject, tokenBucket } from "./checks.ts";
import { type Any, config } from "./config.fixture.ts";
import { localReplyFor } from "./local-replies.ts";

const PUBLIC_LISTENERS = ["https", "http_redirect"];
const publicHcms = findHttpConnectionManagers(config).filter((h) =>
  PUBLIC_LISTENERS.includes(h.listener),
);

/** Replies Envoy makes itself, and the platform code each one carries. */
const CODED: [status: number, code: ErrorCode][] = [
  [400, "bad_request"], // malformed request, invalid path, underscore in a header name
  [404, "not_found"], // no route
  [413, "payload_too_large"], // a buffering filter over the buffer limit
  [414, "uri_too_long"],
  [429, "rate_limited"], // local rate limit
  [431, "headers_too_large"], // HTTP/1.1 head over max_request_headers_kb / max_headers_count
  [500, "internal"],
  [502, "unavailable"], // invalid upstream response
  [503, "unavailable"], // no healthy upstream, connect failure, overflow, overload
  [504, "unavailable"], // upstream timeout
];
/** Replies Envoy makes that have no platform code: about:blank with the reason phrase. */
const UNCODED: [status: number, title: string][] = [
  [408, "Request Timeout"],
  [426, "Upgrade Required"],
];

describe("replies Envoy makes itself are problem+json", () => {
  test("both public listeners have the header limits and the local reply mappers", () => {
    expect(publicHcms.map((h) => h.listener).sort()).toEqual([...PUBLIC_LISTENERS].sort());
  });

  for (const { listener, hcm } of publicHcms) {
    for (const [status, code] of CODED) {
      test(`${listener}: ${status} → ${code}`, () => {
        const reply = localReplyFor(hcm, status);
        expect({
          status: reply.status,
          contentType: reply.contentType,
          type: reply.body?.type,
          title: reply.body?.title,
          bodyStatus: reply.body?.status,
        }).toEqual({
          status,
          contentType: PROBLEM_CONTENT_TYPE,
          type: problemType(code),
          title: errorCodes[code].title,
          bodyStatus: status,
        });
      });
    }

    for (const [status, title] of UNCODED) {
      test(`${listener}: ${status} → about:blank "${title}"`, () => {
        const reply = localReplyFor(hcm, status);
        expect(reply.contentType).toBe(PROBLEM_CONTENT_TYPE);
        expect(reply.body).toMatchObject({ type: "about:blank", title, status });
      });
    }

    test(`${listener}: every status from 400 to 599 gets a problem body with that status`, () => {
      const allowedTypes = new Set([
        "about:blank",
        ...Object.keys(errorCodes).map((c) => problemType(c as ErrorCode)),
      ]);
      for (let status = 400; status < 600; status++) {
        const reply = localReplyFor(hcm, status);
        expect({ status, contentType: reply.contentType, bodyStatus: reply.body?.status }).toEqual({
          status,
          contentType: PROBLEM_CONTENT_TYPE,
          bodyStatus: status,
        });
        expect(allowedTypes.has(String(reply.body?.type))).toBe(true);
        expect(reply.body?.title).toBeString();
      }
    });

    test(`${listener}: redirects and successes keep Envoy's own body`, () => {
      for (const status of [200, 301, 307, 308]) {
        const reply = localReplyFor(hcm, status);
        expect({ status, mapper: reply.mapper, body: reply.body }).toEqual({
          status,
          mapper: undefined,
          body: undefined,
        });
      }
    });

    test(`${listener}: bodies hold RFC 9457 members and the request id only, never empty ones`, () => {
      const allowed = new Set(["type", "title", "status", "detail", "requestId"]);
      for (const mapper of (hcm.local_reply_config as Any).mappers as Any[]) {
        const format = mapper.body_format_override;
        expect(format.omit_empty_values).toBe(true);
        expect(format.content_type).toBe(PROBLEM_CONTENT_TYPE);
        for (const key of Object.keys(format.json_format)) expect(allowed.has(key)).toBe(true);
        // Envoy renders %RESPONSE_CODE% alone as a JSON number; any other text makes a string.
        expect(format.json_format.status).toBe("%RESPONSE_CODE%");
      }
    });
  }

  test("a platform code keeps its own status, except the upstream failures errors.ts lacks", () => {
    const borrowed = CODED.filter(([status, code]) => errorCodes[code].status !== status);
    expect(borrowed).toEqual([
      [502, "unavailable"],
      [504, "unavailable"],
    ]);
  });

  test("429 tells the client to retry once every bucket has a token again", () => {
    const hcm = publicHcms.find((h) => h.listener === "https")!.hcm as Any;
    const retryAfter = Number(localReplyFor(hcm, 429).headers["retry-after"]);
    expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
    const limits: JsonObject[] = [
      hcm.http_filters.find((f: Any) => f.name === "envoy.filters.http.local_ratelimit")
        .typed_config,
    ];
    for (const vhost of hcm.route_config.virtual_hosts)
      for (const route of vhost.routes) {
        const perRoute = route.typed_per_filter_config?.["envoy.filters.http.local_ratelimit"];
        if (perRoute) limits.push(perRoute);
      }
    expect(limits.length).toBeGreaterThan(1);
    for (const limit of limits) {
      expect(retryAfter * tokenBucket(limit)!.tokensPerSecond).toBeGreaterThanOrEqual(1);
    }
  });

  test("the simulator applies the first matching mapper, as Envoy does", () => {
    const hcm = structuredClone(publicHcms[0]!.hcm) as Any;
    const mappers = hcm.local_reply_config.mappers;
    mappers.unshift(mappers.pop()); // the catch-all first
    expect(localReplyFor(hcm, 404).body?.type).toBe("about:blank");
    delete hcm.local_reply_config;
    expect(localReplyFor(hcm, 404)).toMatchObject({ contentType: undefined, body: undefined });
  });
});

describe("oversized request heads", () => {
  const bunLimitKiB = Number(PARSER_HEADER_LIMIT_FLAG.split("=")[1]) / 1024;

  for (const { listener, hcm } of publicHcms) {
    const h = hcm as Any;
    test(`${listener}: Envoy refuses heads below Bun's parser limit, above the services' own`, () => {
      const kb = Number(h.max_request_headers_kb);
      expect(kb).toBeLessThan(64);
      expect(kb).toBeLessThan(bunLimitKiB);
      // Heads the services answer with their own 414/431 problem reach them.
      expect(kb * 1024).toBeGreaterThan(MAX_HEADERS_SIZE);
      expect(kb * 1024).toBeGreaterThan(MAX_URL_LENGTH);
      const count = Number(h.common_http_protocol_options?.max_headers_count);
      expect(count).toBeGreaterThan(0);
      expect(count).toBeLessThanOrEqual(100);
    });

    test(`${listener}: the 431 detail names the configured limits`, () => {
      const detail = String(localReplyFor(hcm, 431).body?.detail);
      expect(detail).toContain(`${h.max_request_headers_kb} KiB`);
      expect(detail).toContain(`${h.common_http_protocol_options.max_headers_count} fields`);
    });
  }
});
