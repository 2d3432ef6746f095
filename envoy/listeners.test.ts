import { describe, expect, test } from "bun:test";
import { matchRoute } from "./checks.ts";
import { type Any, config, hcms, https } from "./config.fixture.ts";

describe("cross-references and policy: listeners and their connection managers", () => {
  test("listeners: HTTPS 8443 with TLS and ALPN h2 + http/1.1, HTTP 8080 redirecting", () => {
    const byName = Object.fromEntries(
      config.static_resources.listeners.map((l: Any) => [l.name, l]),
    ) as Record<string, Any>;
    expect(byName.https.address.socket_address.port_value).toBe(8443);
    const tls = byName.https.filter_chains[0].transport_socket.typed_config;
    expect(tls["@type"]).toEndWith("DownstreamTlsContext");
    expect(tls.common_tls_context.alpn_protocols).toEqual(["h2", "http/1.1"]);
    for (const c of tls.common_tls_context.tls_certificates) {
      expect(c.certificate_chain.filename).toStartWith("/etc/envoy/certs/");
      expect(c.private_key.filename).toStartWith("/etc/envoy/certs/");
    }
    expect(byName.http_redirect.address.socket_address.port_value).toBe(8080);
    const redirectHcm = hcms.find((h) => h.listener === "http_redirect")!.hcm;
    for (const path of ["/", "/auth/login", "/anything?x=1"]) {
      const hit = matchRoute(redirectHcm.route_config, "GET", path);
      expect((hit?.route as Any)?.redirect?.https_redirect).toBe(true);
    }
  });

  test("the edge authenticates nothing: the one-click unsubscribe POST reaches the service as sent", () => {
    // Only the rate limit, the response compressors and the router: no jwt_authn, ext_authz or
    // body filter that would turn away a POST with a form body and no Authorization header
    // (RFC 8058 one-click).
    expect((https.hcm.http_filters as Any[]).map((f) => f.name)).toEqual([
      "envoy.filters.http.local_ratelimit",
      "envoy.filters.http.compressor.brotli",
      "envoy.filters.http.compressor.gzip",
      "envoy.filters.http.router",
    ]);
    const hit = matchRoute(https.hcm.route_config, "POST", "/notifications/unsubscribe?token=t")!;
    expect(hit.name).toBe("notification_write");
    expect(hit.route.typed_per_filter_config).toBeUndefined();
    expect(hit.route.request_headers_to_remove).toBeUndefined();
    // a POST is never replayed: unsubscribing is idempotent, but the route keeps the write policy
    expect((hit.route.route as Any).retry_policy.retry_on).toBe("connect-failure");
  });

  test("request ids, W3C trace context to the collector, JSON access log for Loki", () => {
    const hcm = https.hcm as Any;
    expect(hcm.generate_request_id).toBe(true);
    expect(hcm.always_set_request_id_in_response).toBe(true);
    const provider = hcm.tracing.provider;
    expect(provider.name).toBe("envoy.tracers.opentelemetry");
    expect(provider.typed_config.http_service.http_uri.cluster).toBe("otel_collector");
    expect(provider.typed_config.http_service.http_uri.uri).toEndWith("/v1/traces");
    const log = hcm.access_log[0].typed_config.log_format.json_format;
    for (const key of [
      "timestamp",
      "method",
      "path",
      "status",
      "duration_ms",
      "request_id",
      "traceparent",
      "trace_id",
      "upstream_cluster",
      "upstream_host",
    ]) {
      expect(log[key]).toBeString();
    }
    expect(log.request_id).toBe("%REQ(X-REQUEST-ID)%");
    // the query string (cursors, the unsubscribe links' tokens) is never logged
    expect(log.path).toStartWith("%REQ_WITHOUT_QUERY(");
    expect(log.traceparent).toBe("%REQ(TRACEPARENT)%");
  });

  test("the stats listener exposes only GET /stats/prometheus and /ready of the admin", () => {
    const stats = hcms.find((h) => h.listener === "stats")!;
    const admin = config.static_resources.clusters.find((c: Any) => c.name === "envoy_admin");
    expect(
      admin.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address,
    ).toEqual({
      address: "127.0.0.1",
      port_value: 9901,
    });
    expect(matchRoute(stats.hcm.route_config, "GET", "/stats/prometheus")?.cluster).toBe(
      "envoy_admin",
    );
    expect(matchRoute(stats.hcm.route_config, "GET", "/ready")?.cluster).toBe("envoy_admin");
    for (const [method, path] of [
      ["POST", "/quitquitquit"],
      ["GET", "/config_dump"],
      ["POST", "/stats/prometheus"],
      ["POST", "/healthcheck/fail"],
    ] as const) {
      expect(matchRoute(stats.hcm.route_config, method, path)).toBeUndefined();
    }
  });
});
