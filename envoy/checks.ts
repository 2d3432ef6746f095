/**
 * Semantic checks on an Envoy bootstrap that the proto walk in validate.ts cannot do: references
 * between resources (clusters, filter names), the admin binding, and a small route-table simulator
 * used by the tests to assert which requests reach which cluster.
 */
import type { Issue } from "./validate.ts";

export type JsonObject = { [key: string]: unknown };

const isObject = (v: unknown): v is JsonObject =>
  v !== null && typeof v === "object" && !Array.isArray(v);

const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

const typeName = (v: JsonObject): string | undefined => {
  const url = v["@type"];
  return typeof url === "string" ? url.slice(url.lastIndexOf("/") + 1) : undefined;
};

export const HCM_TYPE =
  "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
export const LOCAL_RATELIMIT_TYPE =
  "envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit";
export const ROUTER_TYPE = "envoy.extensions.filters.http.router.v3.Router";

export interface HcmRef {
  listener: string;
  path: string;
  hcm: JsonObject;
}

/** Every HttpConnectionManager in the static listeners. */
export function findHttpConnectionManagers(config: unknown): HcmRef[] {
  const out: HcmRef[] = [];
  const listeners = asArray(
    isObject(config) ? (config.static_resources as JsonObject)?.listeners : [],
  );
  listeners.forEach((listener, li) => {
    if (!isObject(listener)) return;
    asArray(listener.filter_chains).forEach((chain, ci) => {
      if (!isObject(chain)) return;
      asArray(chain.filters).forEach((filter, fi) => {
        if (!isObject(filter) || !isObject(filter.typed_config)) return;
        if (typeName(filter.typed_config) !== HCM_TYPE) return;
        out.push({
          listener: String(listener.name),
          path: `static_resources.listeners[${li}].filter_chains[${ci}].filters[${fi}].typed_config`,
          hcm: filter.typed_config,
        });
      });
    });
  });
  return out;
}

/** Walks the whole document, calling `visit` on every object with its path. */
function walk(value: unknown, path: string, visit: (obj: JsonObject, path: string) => void): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      walk(v, `${path}[${i}]`, visit);
    });
  } else if (isObject(value)) {
    visit(value, path);
    for (const [k, v] of Object.entries(value)) {
      walk(
        v,
        /^[A-Za-z_@][\w@]*$/.test(k)
          ? path
            ? `${path}.${k}`
            : k
          : `${path}[${JSON.stringify(k)}]`,
        visit,
      );
    }
  }
}

/** References and bindings that Envoy checks at start-up (or that our policy requires). */
export function crossReferenceIssues(config: unknown): Issue[] {
  const issues: Issue[] = [];
  if (!isObject(config)) return [{ path: "", message: "not a mapping" }];
  const resources = isObject(config.static_resources) ? config.static_resources : {};

  // clusters: unique names, load_assignment named after the cluster
  const clusterNames = new Set<string>();
  asArray(resources.clusters).forEach((cluster, i) => {
    if (!isObject(cluster)) return;
    const name = String(cluster.name);
    if (clusterNames.has(name)) {
      issues.push({
        path: `static_resources.clusters[${i}].name`,
        message: `duplicate cluster "${name}"`,
      });
    }
    clusterNames.add(name);
    const la = cluster.load_assignment;
    if (isObject(la) && la.cluster_name !== name) {
      issues.push({
        path: `static_resources.clusters[${i}].load_assignment.cluster_name`,
        message: `load_assignment.cluster_name "${String(la.cluster_name)}" differs from cluster name "${name}"`,
      });
    }
  });

  // listeners: unique names and ports
  const listenerNames = new Set<string>();
  const ports = new Map<string, string>();
  asArray(resources.listeners).forEach((listener, i) => {
    if (!isObject(listener)) return;
    const name = String(listener.name);
    if (listenerNames.has(name)) {
      issues.push({
        path: `static_resources.listeners[${i}].name`,
        message: `duplicate listener "${name}"`,
      });
    }
    listenerNames.add(name);
    const sa = isObject(listener.address) ? listener.address.socket_address : undefined;
    if (isObject(sa)) {
      const key = `${String(sa.address)}:${String(sa.port_value)}`;
      const other = ports.get(key);
      if (other) {
        issues.push({
          path: `static_resources.listeners[${i}].address`,
          message: `listener "${name}" binds ${key}, already bound by "${other}"`,
        });
      }
      ports.set(key, name);
    }
  });

  // every cluster reference resolves
  walk(config, "", (obj, path) => {
    const refs: [string, unknown][] = [];
    if (path === "node") return; // node.cluster names this Envoy's own cluster, not a reference
    if (typeof obj.cluster === "string" && path !== "node") refs.push(["cluster", obj.cluster]);
    if (isObject(obj.envoy_grpc))
      refs.push(["envoy_grpc.cluster_name", obj.envoy_grpc.cluster_name]);
    if (isObject(obj.weighted_clusters)) {
      asArray(obj.weighted_clusters.clusters).forEach((c, i) => {
        if (isObject(c)) refs.push([`weighted_clusters.clusters[${i}].name`, c.name]);
      });
    }
    for (const [field, name] of refs) {
      if (typeof name === "string" && !clusterNames.has(name)) {
        issues.push({ path: `${path}.${field}`, message: `unknown cluster "${name}"` });
      }
    }
  });

  // admin only on loopback
  const admin = isObject(config.admin) ? config.admin : undefined;
  const adminAddress = isObject(admin?.address) ? admin.address.socket_address : undefined;
  if (admin && isObject(adminAddress)) {
    if (adminAddress.address !== "127.0.0.1" && adminAddress.address !== "::1") {
      issues.push({
        path: "admin.address.socket_address.address",
        message: `admin must bind 127.0.0.1, not ${String(adminAddress.address)}`,
      });
    }
  } else if (admin) {
    issues.push({
      path: "admin.address",
      message: "admin needs an explicit loopback socket_address",
    });
  }

  // HTTP filter chains: exactly one router, last; per-route configs name an existing filter
  for (const { path, hcm } of findHttpConnectionManagers(config)) {
    const filters = asArray(hcm.http_filters).filter(isObject);
    const names = new Set(filters.map((f) => String(f.name)));
    const routers = filters.filter(
      (f) => isObject(f.typed_config) && typeName(f.typed_config) === ROUTER_TYPE,
    );
    if (routers.length !== 1 || filters.at(-1) !== routers[0]) {
      issues.push({
        path: `${path}.http_filters`,
        message: "the router filter must appear exactly once, last",
      });
    }
    walk(hcm.route_config, `${path}.route_config`, (obj, p) => {
      if (!isObject(obj.typed_per_filter_config)) return;
      for (const key of Object.keys(obj.typed_per_filter_config)) {
        if (!names.has(key)) {
          issues.push({
            path: `${p}.typed_per_filter_config[${JSON.stringify(key)}]`,
            message: `no http filter named "${key}" in this connection manager`,
          });
        }
      }
    });
  }
  return issues;
}

// ---------------------------------------------------------------------------------------------
// Route simulation

export interface RouteHit {
  name: string | undefined;
  route: JsonObject;
  /** The upstream cluster, when the route forwards. */
  cluster: string | undefined;
}

function stringMatches(m: JsonObject, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (typeof m.exact === "string") return value === m.exact;
  if (typeof m.prefix === "string") return value.startsWith(m.prefix);
  if (typeof m.suffix === "string") return value.endsWith(m.suffix);
  if (typeof m.contains === "string") return value.includes(m.contains);
  if (isObject(m.safe_regex) && typeof m.safe_regex.regex === "string") {
    return new RegExp(`^(?:${m.safe_regex.regex})$`).test(value);
  }
  return false;
}

function headerMatches(h: JsonObject, headers: Record<string, string>): boolean {
  const value = headers[String(h.name).toLowerCase()];
  let ok: boolean;
  if (isObject(h.string_match)) ok = stringMatches(h.string_match, value);
  else if (typeof h.exact_match === "string") ok = value === h.exact_match;
  else if (h.present_match === true) ok = value !== undefined;
  else ok = value !== undefined;
  return h.invert_match === true ? !ok : ok;
}

function routeMatches(match: JsonObject, method: string, path: string): boolean {
  const pathOnly = path.split("?")[0] ?? path;
  let ok = false;
  if (typeof match.prefix === "string") ok = pathOnly.startsWith(match.prefix);
  else if (typeof match.path === "string") ok = pathOnly === match.path;
  else if (isObject(match.safe_regex) && typeof match.safe_regex.regex === "string") {
    ok = new RegExp(`^(?:${match.safe_regex.regex})$`).test(pathOnly);
  } else if (typeof match.path_separated_prefix === "string") {
    const p = match.path_separated_prefix;
    ok = pathOnly === p || pathOnly.startsWith(`${p}/`);
  }
  if (!ok) return false;
  const headers = { ":method": method, ":path": path };
  return asArray(match.headers).every((h) => isObject(h) && headerMatches(h, headers));
}

/** The first route of the first virtual host matching `host` (Envoy's first-match semantics). */
export function matchRoute(
  routeConfig: unknown,
  method: string,
  path: string,
  host = "localhost",
): RouteHit | undefined {
  if (!isObject(routeConfig)) return undefined;
  const vhost = asArray(routeConfig.virtual_hosts)
    .filter(isObject)
    .find((vh) => asArray(vh.domains).some((d) => d === "*" || d === host));
  if (!vhost) return undefined;
  for (const route of asArray(vhost.routes)) {
    if (!isObject(route) || !isObject(route.match)) continue;
    if (!routeMatches(route.match, method, path)) continue;
    const action = isObject(route.route) ? route.route : undefined;
    return {
      name: typeof route.name === "string" ? route.name : undefined,
      route,
      cluster: typeof action?.cluster === "string" ? action.cluster : undefined,
    };
  }
  return undefined;
}

/** Methods a route can receive, from its `:method` header matchers (undefined = any method). */
export function routeMethods(route: JsonObject): string[] | undefined {
  const match = isObject(route.match) ? route.match : {};
  const all = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"];
  const methodMatchers = asArray(match.headers).filter((h) => isObject(h) && h.name === ":method");
  if (methodMatchers.length === 0) return undefined;
  return all.filter((m) =>
    methodMatchers.every((h) => headerMatches(h as JsonObject, { ":method": m })),
  );
}

/** Every route of a route configuration, with its JSON path. */
export function listRoutes(
  routeConfig: unknown,
  basePath: string,
): { route: JsonObject; path: string }[] {
  const out: { route: JsonObject; path: string }[] = [];
  if (!isObject(routeConfig)) return out;
  asArray(routeConfig.virtual_hosts).forEach((vh, vi) => {
    if (!isObject(vh)) return;
    asArray(vh.routes).forEach((r, ri) => {
      if (isObject(r))
        out.push({ route: r, path: `${basePath}.virtual_hosts[${vi}].routes[${ri}]` });
    });
  });
  return out;
}

export interface Bucket {
  maxTokens: number;
  tokensPerSecond: number;
}

/** Reads a LocalRateLimit token bucket (Envoy defaults tokens_per_fill to 1). */
export function tokenBucket(localRateLimit: unknown): Bucket | undefined {
  if (!isObject(localRateLimit) || !isObject(localRateLimit.token_bucket)) return undefined;
  const b = localRateLimit.token_bucket;
  const seconds = Number(String(b.fill_interval ?? "").replace(/s$/, ""));
  const perFill = b.tokens_per_fill === undefined ? 1 : Number(b.tokens_per_fill);
  return { maxTokens: Number(b.max_tokens), tokensPerSecond: perFill / seconds };
}

/** Splits a `retry_on` string into its conditions. */
export const retryConditions = (retryOn: unknown): string[] =>
  typeof retryOn === "string"
    ? retryOn
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
    : [];

/** Names of the routes (in table order) that forward to `cluster`. */
export function routesToCluster(routeConfig: unknown, cluster: string): string[] {
  return listRoutes(routeConfig, "")
    .filter(({ route }) => isObject(route.route) && route.route.cluster === cluster)
    .map(({ route }) => String(route.name));
}

/** The upstream endpoints (host:port) of a cluster's load assignment. */
export function clusterEndpoints(cluster: unknown): string[] {
  if (!isObject(cluster) || !isObject(cluster.load_assignment)) return [];
  return asArray(cluster.load_assignment.endpoints).flatMap((group) =>
    asArray(isObject(group) ? group.lb_endpoints : []).flatMap((lb) => {
      const endpoint = isObject(lb) && isObject(lb.endpoint) ? lb.endpoint : undefined;
      const sa =
        endpoint && isObject(endpoint.address) ? endpoint.address.socket_address : undefined;
      return isObject(sa) ? [`${String(sa.address)}:${String(sa.port_value)}`] : [];
    }),
  );
}

/**
 * A cluster's settings without what names it (name, load_assignment's cluster name and endpoint
 * addresses): two upstreams with the same policy (timeouts, health checks, circuit breakers,
 * protocol options) give equal shapes.
 */
export function clusterShape(cluster: unknown): JsonObject {
  const copy = structuredClone(isObject(cluster) ? cluster : {});
  delete copy.name;
  if (isObject(copy.load_assignment)) {
    delete copy.load_assignment.cluster_name;
    for (const group of asArray(copy.load_assignment.endpoints)) {
      for (const lb of asArray(isObject(group) ? group.lb_endpoints : [])) {
        const endpoint = isObject(lb) && isObject(lb.endpoint) ? lb.endpoint : undefined;
        const sa =
          endpoint && isObject(endpoint.address) ? endpoint.address.socket_address : undefined;
        if (isObject(sa)) {
          delete sa.address;
          delete sa.port_value;
        }
      }
    }
  }
  return copy;
}
