/** Reading an Envoy cluster: where it sends requests, and its policy apart from that. */
import { asArray, isObject, type JsonObject } from "./json-object.ts";

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
