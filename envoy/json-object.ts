/**
 * Narrowing helpers for a parsed envoy.yaml, shared by the checks and the simulators: the
 * document is untyped JSON, and a malformed part must read as absent rather than throw.
 */
export type JsonObject = { [key: string]: unknown };

export const isObject = (v: unknown): v is JsonObject =>
  v !== null && typeof v === "object" && !Array.isArray(v);

export const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The message name of an `Any`'s `@type` URL. */
export const typeName = (v: JsonObject): string | undefined => {
  const url = v["@type"];
  return typeof url === "string" ? url.slice(url.lastIndexOf("/") + 1) : undefined;
};
