import { isAbsolute, join } from "node:path";
import { SwaggerUIRender } from "@elysiajs/openapi/swagger";
import { type AnyElysia, Elysia } from "elysia";
import swaggerCss from "swagger-ui-dist/swagger-ui.css" with { type: "file" };
import swaggerJs from "swagger-ui-dist/swagger-ui-bundle.js" with { type: "file" };
import { LOCAL_ONLY_PATHS } from "./health-routes.ts";
import { buildDocument, type OpenApiDocument, routeCount } from "./openapi-document.ts";
import { withServers } from "./openapi-servers.ts";

// The docs page must work with no internet: Swagger UI's assets are served from the
// swagger-ui-dist package instead of a CDN. File imports give their absolute path when run from
// source; `bun build` copies them beside the bundle and gives a path relative to it.
const asset = (path: string, type: string) => ({
  path: isAbsolute(path) ? path : join(import.meta.dir, path),
  type,
});
const ASSETS: Record<string, { path: string; type: string }> = {
  "swagger-ui-bundle.js": asset(swaggerJs, "application/javascript; charset=utf-8"),
  "swagger-ui.css": asset(swaggerCss, "text/css; charset=utf-8"),
};

const hidden = { detail: { hide: true } };

/**
 * The API reference page (`/docs`) and its OpenAPI document (`/docs/json`), of every route of the
 * app this is used in. The document is @elysiajs/openapi's generator completed by
 * openapi-document.ts; its servers name the address the caller used.
 */
export function docs(info: { title: string; version: string; description: string }) {
  const page = SwaggerUIRender(info, {
    url: "/docs/json",
    dom_id: "#swagger-ui",
    autoDarkMode: true,
    cdn: "/docs/assets/swagger-ui-bundle.js",
    theme: "/docs/assets/swagger-ui.css",
  });
  let cached: { routes: number; document: OpenApiDocument } | undefined;
  const plugin: AnyElysia = new Elysia({ name: "platform.docs" })
    .get(
      "/docs",
      () => new Response(page, { headers: { "content-type": "text/html; charset=utf-8" } }),
      hidden,
    )
    .get(
      "/docs/json",
      ({ request }) => {
        // Routes registered after this plugin are in the document: it is built on first request.
        const routes = routeCount(plugin);
        if (cached?.routes !== routes) cached = { routes, document: buildDocument(plugin, info) };
        return withServers(cached.document, new URL(request.url).origin, LOCAL_ONLY_PATHS);
      },
      hidden,
    )
    .get(
      "/docs/assets/:file",
      ({ params, set }) => {
        const file = Object.hasOwn(ASSETS, params.file) ? ASSETS[params.file] : undefined;
        if (!file) {
          set.status = 404;
          return "not found";
        }
        set.headers["content-type"] = file.type;
        set.headers["cache-control"] = "public, max-age=86400";
        return Bun.file(file.path);
      },
      hidden,
    );
  return plugin;
}
