import type { OpenApiDocument } from "./openapi-document.ts";

/** Where `docker compose up` publishes the API (envoy/README.md). */
export const EDGE_SERVER = {
  url: "https://localhost:8443",
  description: "The public edge (Envoy) of `docker compose up`",
};

/**
 * The document with its servers: this service at `localUrl` (where the caller reached it) and,
 * when it has paths the edge routes, the edge; the operations of `localOnly` paths name only
 * this service (on each operation, so that path items hold nothing but operations).
 */
export function withServers(
  document: OpenApiDocument,
  localUrl: string,
  localOnly: readonly string[],
): OpenApiDocument {
  const local = { url: localUrl, description: "This service, directly" };
  const routed = Object.keys(document.paths).some((path) => !localOnly.includes(path));
  const direct = (item: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(item).map(([method, op]) => [
        method,
        { ...(op as Record<string, unknown>), servers: [local] },
      ]),
    );
  const paths = routed
    ? Object.fromEntries(
        Object.entries(document.paths).map(([path, item]) => [
          path,
          localOnly.includes(path) ? direct(item) : item,
        ]),
      )
    : document.paths;
  const { openapi, info, components } = document;
  return { openapi, info, servers: routed ? [local, EDGE_SERVER] : [local], paths, components };
}
