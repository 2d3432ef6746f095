import { describe, expect, test } from "bun:test";
import { crossReferenceIssues } from "./checks.ts";
import { clone, config, routeIn, routePath } from "./config.fixture.ts";

describe("cross-references and policy: references and the admin address", () => {
  test("every referenced cluster exists, names are unique, admin is loopback", () => {
    expect(crossReferenceIssues(config)).toEqual([]);
  });

  test("a route to an unknown cluster is reported", () => {
    const doc = clone();
    routeIn(doc, "auth_read").route.cluster = "authx";
    expect(crossReferenceIssues(doc)).toEqual([
      { path: `${routePath("auth_read")}.route.cluster`, message: 'unknown cluster "authx"' },
    ]);
  });

  test("admin on a public address is reported", () => {
    const doc = clone();
    doc.admin.address.socket_address.address = "0.0.0.0";
    expect(crossReferenceIssues(doc).map((i) => i.path)).toEqual([
      "admin.address.socket_address.address",
    ]);
  });

  test("a per-route config for a filter that is not in the chain is reported", () => {
    const doc = clone();
    const perFilter = routeIn(doc, "auth_login").typed_per_filter_config;
    perFilter["envoy.filters.http.local_rate_limit"] =
      perFilter["envoy.filters.http.local_ratelimit"];
    delete perFilter["envoy.filters.http.local_ratelimit"];
    expect(crossReferenceIssues(doc).map((i) => i.message)).toEqual([
      'no http filter named "envoy.filters.http.local_rate_limit" in this connection manager',
    ]);
  });

  test("admin is bound to 127.0.0.1:9901", () => {
    expect(config.admin.address.socket_address).toEqual({ address: "127.0.0.1", port_value: 9901 });
  });
});
