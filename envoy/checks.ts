/**
 * Semantic checks on an Envoy bootstrap that the proto walk in validate.ts cannot do: references
 * between resources (clusters, filter names) and the admin binding.
 */
import { findHttpConnectionManagers, ROUTER_TYPE } from "./connection-managers.ts";
import { asArray, isObject, type JsonObject, typeName } from "./json-object.ts";
import type { Issue } from "./validate.ts";

// The tests and e2e/ read every helper of the edge config through this one module.
export {
  type Bucket,
  LOCAL_RATELIMIT_TYPE,
  retryConditions,
  tokenBucket,
} from "./buckets-and-retries.ts";
export { clusterEndpoints, clusterShape } from "./clusters.ts";
export {
  findHttpConnectionManagers,
  HCM_TYPE,
  type HcmRef,
  ROUTER_TYPE,
} from "./connection-managers.ts";
export type { JsonObject } from "./json-object.ts";
export {
  listRoutes,
  matchRoute,
  type RouteHit,
  routeMethods,
  routesToCluster,
} from "./route-table.ts";

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
