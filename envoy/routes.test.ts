import { describe, expect, test } from "bun:test";
import { matchRoute, routesToCluster } from "./checks.ts";
import { type Any, https, id, other, ROUTE_CLUSTERS, routes } from "./config.fixture.ts";

describe("cross-references and policy: routes", () => {
  const expectations: [string, string, string | undefined][] = [
    ["POST", "/auth/login", "auth_login"],
    ["POST", "/auth/signup", "auth_signup"],
    ["POST", "/auth/refresh", "auth_write"],
    ["POST", "/auth/logout", "auth_write"],
    ["GET", "/auth/me", "auth_read"],
    ["GET", "/.well-known/jwks.json", "auth_jwks"],
    ["HEAD", "/.well-known/jwks.json", "auth_jwks"],
    // hangout: every route of its public API (issue 4), reads and writes
    ["POST", "/hangouts", "hangout_write"],
    ["GET", "/hangouts", "hangout_read"],
    ["GET", "/hangouts?limit=20&status=planning", "hangout_read"],
    ["GET", `/hangouts/${id}`, "hangout_read"],
    ["HEAD", `/hangouts/${id}`, "hangout_read"],
    ["PATCH", `/hangouts/${id}`, "hangout_write"],
    ["DELETE", `/hangouts/${id}`, "hangout_write"],
    ["POST", `/hangouts/${id}/invites`, "hangout_write"],
    ["GET", `/hangouts/${id}/members?cursor=abc`, "hangout_read"],
    ["PUT", `/hangouts/${id}/rsvp`, "hangout_write"],
    ["DELETE", `/hangouts/${id}/members/${other}`, "hangout_write"],
    ["POST", `/hangouts/${id}/activities`, "hangout_write"],
    ["GET", `/hangouts/${id}/activities`, "hangout_read"],
    ["PUT", `/hangouts/${id}/activities/${other}/vote`, "hangout_write"],
    ["DELETE", `/hangouts/${id}/activities/${other}/vote`, "hangout_write"],
    ["POST", `/hangouts/${id}/memories/uploads`, "hangout_write"],
    ["POST", `/hangouts/${id}/memories/confirm`, "hangout_write"],
    ["GET", `/hangouts/${id}/memories`, "hangout_read"],
    ["GET", `/memories/${id}`, "memory_read"],
    ["DELETE", `/memories/${id}`, "memory_write"],
    // hangout: the live streams (issue 18); other methods and deeper paths stay on the API routes
    ["GET", `/hangouts/${id}/events`, "hangout_events"],
    ["GET", `/hangouts/${id}/events?x=1`, "hangout_events"],
    ["HEAD", `/hangouts/${id}/events`, "hangout_read"],
    ["POST", `/hangouts/${id}/events`, "hangout_write"],
    ["GET", `/hangouts/${id}/events/x`, "hangout_read"],
    ["GET", `/hangouts/${id}/eventsx`, "hangout_read"],
    ["GET", "/hangouts/events", "hangout_read"],
    ["GET", "/me/events", "me_events"],
    ["GET", "/me/events?x=1", "me_events"],
    // notification: preferences, and the unsubscribe link of every email (its page, and the
    // one-click POST mail clients send without any token of ours)
    ["GET", "/notifications/preferences", "notification_read"],
    ["HEAD", "/notifications/preferences", "notification_read"],
    ["PUT", "/notifications/preferences", "notification_write"],
    ["GET", "/notifications/unsubscribe?token=abc.def", "notification_read"],
    ["POST", "/notifications/unsubscribe?token=abc.def", "notification_write"],
    // outside the API's paths: the web app's static files (index.html), never a service's
    // /metrics, /healthz, /readyz or /docs
    ["GET", "/metrics", "web"],
    ["GET", "/healthz", "web"],
    ["GET", "/readyz", "web"],
    ["GET", "/docs", "web"],
    ["GET", "/docs/json", "web"],
    ["GET", "/openapi", "web"],
    ["GET", "/stats/prometheus", "web"],
    ["GET", "/authx", "web"],
    ["GET", "/hangoutsx", "web"],
    ["GET", "/memories", "web"],
    ["GET", "/memoriesx/1", "web"],
    ["GET", "/notificationsx/preferences", "web"],
    ["GET", "/me", "web"],
    ["GET", "/me/eventsx", "web"],
    ["GET", "/mex/events", "web"],
    // not routed: other methods there, and what the API's paths take from no route above
    ["POST", "/.well-known/jwks.json", undefined],
    ["POST", "/hangouts-admin", undefined],
    ["POST", "/notification/unsubscribe", undefined],
    ["GET", "/me/events/x", undefined],
    ["POST", "/me/events", undefined],
    ["HEAD", "/me/events", undefined],
  ];
  for (const [method, path, routeName] of expectations) {
    const cluster = routeName && ROUTE_CLUSTERS[routeName];
    test(`public ${method} ${path} → ${routeName ? `${routeName} (${cluster})` : "not routed (404)"}`, () => {
      const hit = matchRoute(https.hcm.route_config, method, path);
      if (routeName === undefined) {
        expect(hit?.cluster).toBeUndefined();
      } else {
        expect(hit?.name).toBe(routeName);
        expect(hit?.cluster).toBe(cluster!);
      }
    });
  }

  test("each cluster is reached by exactly its own routes", () => {
    const table = https.hcm.route_config;
    for (const cluster of ["auth", "hangout", "hangout_streams", "notification"]) {
      const expected = Object.entries(ROUTE_CLUSTERS)
        .filter(([, c]) => c === cluster)
        .map(([name]) => name)
        .sort();
      expect({ cluster, routes: routesToCluster(table, cluster).sort() }).toEqual({
        cluster,
        routes: expected,
      });
    }
    // every forwarding route of the public listener is one of these
    const forwarding = routes
      .filter((r) => (r.route.route as Any)?.cluster)
      .map((r) => r.route.name);
    expect(forwarding.sort()).toEqual(Object.keys(ROUTE_CLUSTERS).sort());
    // the streams' cluster takes the two stream routes and nothing of the API
    expect(routesToCluster(table, "hangout_streams").sort()).toEqual([
      "hangout_events",
      "me_events",
    ]);
    // only /hangouts… and /memories/… reach hangout, and nothing of theirs reaches auth
    for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE"]) {
      for (const path of ["/auth/me", "/auth/login", "/.well-known/jwks.json"])
        expect(["hangout", "hangout_streams"]).not.toContain(
          matchRoute(table, method, path)?.cluster,
        );
      for (const path of ["/hangouts", `/hangouts/${id}/memories`, `/memories/${id}`])
        expect(matchRoute(table, method, path)?.cluster).toBe("hangout");
    }
  });

  test("path_separated_prefix values satisfy Envoy's own rule (the proto walk skips patterns)", () => {
    // envoy.config.route.v3.RouteMatch.path_separated_prefix: (validate.rules).string.pattern
    const pattern = /^[^?#]+[^?#/]$/;
    const values = routes
      .map((r) => (r.route.match as Any)?.path_separated_prefix)
      .filter((v): v is string => typeof v === "string");
    expect(values).toContain("/hangouts");
    expect(values).toContain("/notifications");
    for (const value of values)
      expect({ value, ok: pattern.test(value) }).toEqual({ value, ok: true });
  });
});
