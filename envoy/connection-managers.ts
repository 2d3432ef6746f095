/** Locating the HTTP connection managers of an Envoy bootstrap's static listeners. */
import { asArray, isObject, type JsonObject, typeName } from "./json-object.ts";

export const HCM_TYPE =
  "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
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
