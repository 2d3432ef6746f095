import { isAbsolute, join } from "node:path";
import { openapi } from "@elysiajs/openapi";
import { Elysia } from "elysia";
import swaggerCss from "swagger-ui-dist/swagger-ui.css" with { type: "file" };
import swaggerJs from "swagger-ui-dist/swagger-ui-bundle.js" with { type: "file" };

// The docs page must work with no internet: Swagger UI's assets are served from the
// swagger-ui-dist package instead of the plugin's default CDN. File imports give their absolute
// path when run from source; `bun build` copies them beside the bundle and gives a path relative
// to it.
const asset = (path: string, type: string) => ({
  path: isAbsolute(path) ? path : join(import.meta.dir, path),
  type,
});
const ASSETS: Record<string, { path: string; type: string }> = {
  "swagger-ui-bundle.js": asset(swaggerJs, "application/javascript; charset=utf-8"),
  "swagger-ui.css": asset(swaggerCss, "text/css; charset=utf-8"),
};

export function docs(info: { title: string; version: string; description: string }) {
  return new Elysia({ name: "platform.docs" })
    .use(
      openapi({
        path: "/docs",
        specPath: "/docs/json",
        provider: "swagger-ui",
        swagger: { cdn: "/docs/assets/swagger-ui-bundle.js", theme: "/docs/assets/swagger-ui.css" },
        documentation: {
          info,
          components: {
            securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
          },
        },
        exclude: { paths: ["/docs/assets/*", "/metrics"] },
      }),
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
      { detail: { hide: true } },
    );
}
