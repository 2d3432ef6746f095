/**
 * envoy.yaml parsed once for the tests of the edge config, with the public (https) listener's
 * connection manager and route table located, and ways to reach the same places in a
 * structuredClone that a test breaks on purpose.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { findHttpConnectionManagers, listRoutes } from "./checks.ts";

// biome-ignore lint/suspicious/noExplicitAny: test navigation through a parsed YAML document
export type Any = any;

export const text = readFileSync(join(import.meta.dir, "envoy.yaml"), "utf8");
export const config: Any = parse(text);
export const clone = (): Any => structuredClone(config);

export const hcms = findHttpConnectionManagers(config);
const httpsIndex = hcms.findIndex((h) => h.listener === "https");
export const https = hcms[httpsIndex]!;
export const HCM = https.path; // e.g. static_resources.listeners[0].filter_chains[0].filters[0].typed_config
export const routes = listRoutes(https.hcm.route_config, `${HCM}.route_config`);
export const routeIndex = (name: string) => {
  const i = routes.findIndex((r) => r.route.name === name);
  if (i < 0) throw new Error(`route ${name} not found`);
  return i;
};
export const routePath = (name: string) => routes[routeIndex(name)]!.path;
/** The same route inside a cloned document. */
export const hcmIn = (doc: Any): Any => findHttpConnectionManagers(doc)[httpsIndex]!.hcm;
export const routeIn = (doc: Any, name: string): Any =>
  hcmIn(doc).route_config.virtual_hosts[0].routes[routeIndex(name)];

export const id = "0195d3a4-7b2c-7c1e-9a3f-2b4c6d8e0f12";
export const other = "0195d3a4-7b2c-7c1e-9a3f-2b4c6d8e0f13";

/** Route name → the cluster it must forward to. */
export const ROUTE_CLUSTERS: Record<string, string> = {
  auth_login: "auth",
  auth_signup: "auth",
  auth_write: "auth",
  auth_read: "auth",
  auth_jwks: "auth",
  hangout_events: "hangout_streams",
  me_events: "hangout_streams",
  hangout_read: "hangout",
  hangout_write: "hangout",
  memory_read: "hangout",
  memory_write: "hangout",
  notification_read: "notification",
  notification_write: "notification",
  web: "web",
};
