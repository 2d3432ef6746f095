/**
 * A small simulator of an Envoy route table, so the tests can assert which requests reach which
 * cluster without running Envoy.
 */
import { asArray, isObject, type JsonObject } from "./json-object.ts";

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

/** Names of the routes (in table order) that forward to `cluster`. */
export function routesToCluster(routeConfig: unknown, cluster: string): string[] {
  return listRoutes(routeConfig, "")
    .filter(({ route }) => isObject(route.route) && route.route.cluster === cluster)
    .map(({ route }) => String(route.name));
}
