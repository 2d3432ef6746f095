import { describe, expect, test } from "bun:test";
import {
  type JsonObject,
  LOCAL_RATELIMIT_TYPE,
  listRoutes,
  retryConditions,
  routeMethods,
  tokenBucket,
} from "./checks.ts";
import {
  type Any,
  clone,
  hcms,
  https,
  ROUTE_CLUSTERS,
  routeIn,
  routeIndex,
  routePath,
  routes,
} from "./config.fixture.ts";
import { validateEnvoyConfig } from "./validate.ts";

describe("cross-references and policy: rate limits and retries", () => {
  test("login and signup carry a tighter local rate limit than the global one", () => {
    const global = (https.hcm.http_filters as Any[]).find(
      (f) => f.name === "envoy.filters.http.local_ratelimit",
    );
    expect(global.typed_config["@type"]).toEndWith(LOCAL_RATELIMIT_TYPE);
    const globalBucket = tokenBucket(global.typed_config)!;
    expect(globalBucket.maxTokens).toBeGreaterThan(0);
    for (const name of ["auth_login", "auth_signup"]) {
      const perRoute = routes[routeIndex(name)]!.route.typed_per_filter_config as Any;
      const config = perRoute["envoy.filters.http.local_ratelimit"];
      expect(config["@type"]).toEndWith(LOCAL_RATELIMIT_TYPE);
      expect(config.filter_enforced.default_value.numerator).toBe(100);
      const bucket = tokenBucket(config)!;
      expect(bucket.maxTokens).toBeLessThan(globalBucket.maxTokens);
      expect(bucket.tokensPerSecond).toBeLessThan(globalBucket.tokensPerSecond);
    }
    // no route loosens the global limit (the hangout routes use the global bucket as is)
    for (const { route } of routes) {
      const perRoute = (route.typed_per_filter_config as Any)?.[
        "envoy.filters.http.local_ratelimit"
      ];
      if (!perRoute) continue;
      expect(tokenBucket(perRoute)!.maxTokens).toBeLessThanOrEqual(globalBucket.maxTokens);
    }
    for (const name of Object.keys(ROUTE_CLUSTERS).filter((n) => !n.startsWith("auth_")))
      expect(
        (routes[routeIndex(name)]!.route.typed_per_filter_config as Any)?.[
          "envoy.filters.http.local_ratelimit"
        ],
      ).toBeUndefined();
    // the global bucket is enforced, not shadow mode
    expect(global.typed_config.filter_enforced.default_value.numerator).toBe(100);
  });

  // Envoy 1.34 makes a descriptor entry with an empty value a wildcard: one bucket per distinct
  // value, here per client address, bounded by max_dynamic_descriptors. The protos the validator
  // reads predate both, so login and signup keep one shared bucket until they are updated.
  test("per-address login buckets are refused only for the two fields the validator's protos lack", () => {
    const doc = clone();
    const login = routeIn(doc, "auth_login");
    login.route.rate_limits = [{ actions: [{ remote_address: {} }] }];
    const limit = login.typed_per_filter_config["envoy.filters.http.local_ratelimit"];
    limit.descriptors = [
      {
        entries: [{ key: "remote_address", value: "" }],
        token_bucket: { max_tokens: 20, tokens_per_fill: 5, fill_interval: "1s" },
      },
    ];
    limit.max_dynamic_descriptors = 10000;
    const base = `${routePath("auth_login")}.typed_per_filter_config["envoy.filters.http.local_ratelimit"]`;
    const { errors } = validateEnvoyConfig(doc);
    expect(errors.map((e) => e.path).sort()).toEqual(
      [`${base}.descriptors[0].entries[0].value`, `${base}.max_dynamic_descriptors`].sort(),
    );
  });

  test("retries only where safe, bounded, and every forwarding route has a timeout", () => {
    const SAFE_FOR_READS = new Set([
      "reset",
      "connect-failure",
      "refused-stream",
      "retriable-status-codes",
    ]);
    for (const { listener, path, hcm } of hcms) {
      for (const { route, path: rp } of listRoutes(hcm.route_config, `${path}.route_config`)) {
        const action = route.route as JsonObject | undefined;
        if (!action) continue;
        expect({ route: rp, timeout: action.timeout !== undefined }).toEqual({
          route: rp,
          timeout: true,
        });
        const policy = action.retry_policy as Any;
        if (!policy || listener !== "https") continue;
        const conditions = retryConditions(policy.retry_on);
        const methods = routeMethods(route);
        const readOnly = methods?.every((m) => m === "GET" || m === "HEAD") === true;
        expect(Number(policy.num_retries ?? 1)).toBeLessThanOrEqual(3);
        if (readOnly) {
          for (const c of conditions)
            expect({ route: rp, c, safe: SAFE_FOR_READS.has(c) }).toEqual({
              route: rp,
              c,
              safe: true,
            });
          expect(policy.per_try_timeout).toBeDefined();
          expect(parseFloat(policy.per_try_timeout)).toBeLessThan(
            parseFloat(String(action.timeout)),
          );
          for (const code of policy.retriable_status_codes ?? []) expect(code).toBe(503);
        } else {
          expect({ route: rp, conditions }).toEqual({ route: rp, conditions: ["connect-failure"] });
        }
      }
    }
  });
});
