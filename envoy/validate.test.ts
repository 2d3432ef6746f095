import { describe, expect, test } from "bun:test";
import { type Any, clone, HCM, hcmIn, routeIn, routePath, text } from "./config.fixture.ts";
import { formatIssues, validateEnvoyConfig, validateEnvoyYaml } from "./validate.ts";

describe("envoy.yaml against Envoy's own v3 protos", () => {
  test("validates with 0 errors and 0 warnings, in reasonable time", () => {
    const started = performance.now();
    const result = validateEnvoyYaml(text);
    const ms = performance.now() - started;
    expect(formatIssues(result)).toBe("");
    expect(result.errors).toHaveLength(0);
    expect(result.warnings).toHaveLength(0);
    expect(ms).toBeLessThan(5000);
  });

  test("lowerCamelCase field names are accepted like snake_case", () => {
    const doc = clone();
    const tls = doc.static_resources.listeners[0].filter_chains[0].transport_socket.typed_config;
    tls.commonTlsContext = tls.common_tls_context;
    delete tls.common_tls_context;
    doc.staticResources = doc.static_resources;
    delete doc.static_resources;
    expect(validateEnvoyConfig(doc).errors).toEqual([]);
  });
});

interface BrokenCase {
  name: string;
  break: (doc: Any) => void;
  path: () => string;
  message: RegExp;
}

const cases: BrokenCase[] = [
  {
    name: "misspelled field in a route action",
    break: (doc) => {
      const r = routeIn(doc, "auth_login").route;
      r.retry_polcy = r.retry_policy;
      delete r.retry_policy;
    },
    path: () => `${routePath("auth_login")}.route.retry_polcy`,
    message: /unknown field "retry_polcy" in envoy\.config\.route\.v3\.RouteAction.*retry_policy/,
  },
  {
    name: "misspelled top-level field",
    break: (doc) => {
      doc.static_resource = doc.static_resources;
      delete doc.static_resources;
    },
    path: () => "static_resource",
    message:
      /unknown field "static_resource" in envoy\.config\.bootstrap\.v3\.Bootstrap.*static_resources/,
  },
  {
    name: "misspelled field inside a typed_config (Any is recursed)",
    break: (doc) => {
      const bucket = hcmIn(doc).http_filters[0].typed_config.token_bucket;
      bucket.max_token = bucket.max_tokens;
      delete bucket.max_tokens;
    },
    path: () => `${HCM}.http_filters[0].typed_config.token_bucket.max_token`,
    message: /unknown field "max_token" in envoy\.type\.v3\.TokenBucket/,
  },
  {
    name: "bad @type",
    break: (doc) => {
      hcmIn(doc).http_filters[0].typed_config["@type"] =
        "type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimt";
    },
    path: () => `${HCM}.http_filters[0].typed_config.@type`,
    message: /unresolvable type_url .*LocalRateLimt/,
  },
  {
    name: "bad enum value",
    break: (doc) => {
      doc.static_resources.clusters[0].lb_policy = "ROUND_ROBBIN";
    },
    path: () => "static_resources.clusters[0].lb_policy",
    message: /invalid value "ROUND_ROBBIN" for enum envoy\.config\.cluster\.v3\.Cluster\.LbPolicy/,
  },
  {
    name: "oneof conflict",
    break: (doc) => {
      routeIn(doc, "auth_login").route.cluster_header = "x-cluster";
    },
    path: () => `${routePath("auth_login")}.route`,
    message: /oneof "cluster_specifier" .* several members set: cluster, cluster_header/,
  },
  {
    name: "bad Duration",
    break: (doc) => {
      doc.static_resources.clusters[0].connect_timeout = "1 second";
    },
    path: () => "static_resources.clusters[0].connect_timeout",
    message: /expected a duration/,
  },
  {
    name: "non-integer port",
    break: (doc) => {
      doc.admin.address.socket_address.port_value = "abc";
    },
    path: () => "admin.address.socket_address.port_value",
    message: /expected an integer \(uint32\)/,
  },
  {
    name: "wrapper written as an object",
    break: (doc) => {
      hcmIn(doc).http2_protocol_options.max_concurrent_streams = { value: 100 };
    },
    path: () => `${HCM}.http2_protocol_options.max_concurrent_streams`,
    message: /UInt32Value takes the bare value/,
  },
  {
    name: "scalar where a list is required",
    break: (doc) => {
      doc.static_resources.listeners[0].filter_chains[0].transport_socket.typed_config.common_tls_context.alpn_protocols =
        "h2";
    },
    path: () =>
      "static_resources.listeners[0].filter_chains[0].transport_socket.typed_config.common_tls_context.alpn_protocols",
    message: /expected a list/,
  },
  {
    name: "validate rule: token bucket max_tokens must be > 0",
    break: (doc) => {
      routeIn(doc, "auth_signup").typed_per_filter_config[
        "envoy.filters.http.local_ratelimit"
      ].token_bucket.max_tokens = 0;
    },
    path: () =>
      `${routePath("auth_signup")}.typed_per_filter_config["envoy.filters.http.local_ratelimit"].token_bucket.max_tokens`,
    message: /greater than 0/,
  },
  {
    name: "misspelled field in a local reply mapper",
    break: (doc) => {
      const mapper = hcmIn(doc).local_reply_config.mappers[0];
      mapper.body_format_overide = mapper.body_format_override;
      delete mapper.body_format_override;
    },
    path: () => `${HCM}.local_reply_config.mappers[0].body_format_overide`,
    message: /unknown field "body_format_overide" in .*ResponseMapper.*body_format_override/,
  },
  {
    name: "required oneof left empty",
    break: (doc) => {
      delete hcmIn(doc).route_config;
    },
    path: () => HCM,
    message: /oneof "route_specifier" .* is required/,
  },
  {
    name: "bad Duration in a stream route's idle_timeout",
    break: (doc) => {
      routeIn(doc, "hangout_events").route.idle_timeout = "1 minute";
    },
    path: () => `${routePath("hangout_events")}.route.idle_timeout`,
    message: /expected a duration/,
  },
  {
    name: "misspelled field in a stream route's regex matcher",
    break: (doc) => {
      const match = routeIn(doc, "hangout_events").match;
      match.safe_regex = { regx: match.safe_regex.regex };
    },
    path: () => `${routePath("hangout_events")}.match.safe_regex.regx`,
    message: /unknown field "regx" in envoy\.type\.matcher\.v3\.RegexMatcher.*regex/,
  },
  {
    name: "same field under snake_case and lowerCamelCase",
    break: (doc) => {
      hcmIn(doc).statPrefix = "again";
    },
    path: () => `${HCM}.statPrefix`,
    message: /set twice/,
  },
];

describe("broken copies are rejected at the right path", () => {
  for (const c of cases) {
    test(c.name, () => {
      const doc = clone();
      c.break(doc);
      const { errors } = validateEnvoyConfig(doc);
      expect(errors.length).toBeGreaterThan(0);
      const hit = errors.find((e) => e.path === c.path());
      if (!hit)
        throw new Error(`no error at ${c.path()}; got:\n${JSON.stringify(errors, null, 2)}`);
      expect(hit.message).toMatch(c.message);
    });
  }

  test("duplicate YAML keys are rejected", () => {
    const broken = text.replace(
      "stat_prefix: ingress_https\n",
      "stat_prefix: ingress_https\n                stat_prefix: again\n",
    );
    expect(broken).not.toBe(text);
    expect(validateEnvoyYaml(broken).errors[0]?.message).toMatch(/unique/i);
  });

  test("deprecated fields are reported as warnings", () => {
    const doc = clone();
    routeIn(doc, "auth_read").route.max_grpc_timeout = "1s";
    const result = validateEnvoyConfig(doc);
    expect(result.errors).toEqual([]);
    expect(result.warnings.map((w) => w.path)).toContain(
      `${routePath("auth_read")}.route.max_grpc_timeout`,
    );
  });
});
