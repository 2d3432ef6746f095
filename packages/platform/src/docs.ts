import { openapi } from "@elysiajs/openapi";
import { Elysia } from "elysia";
import { restoreFastFormats } from "./formats.ts";

// The docs page must work with no internet: Swagger UI's assets are served from the
// swagger-ui-dist package instead of the plugin's default CDN.
const ASSETS = {
  "swagger-ui-bundle.js": "application/javascript; charset=utf-8",
  "swagger-ui.css": "text/css; charset=utf-8",
} as const;

restoreFastFormats();

const assetDir = new URL("./", import.meta.resolve("swagger-ui-dist/package.json")).pathname;

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
        const type = ASSETS[params.file as keyof typeof ASSETS];
        if (!type) {
          set.status = 404;
          return "not found";
        }
        set.headers["content-type"] = type;
        set.headers["cache-control"] = "public, max-age=86400";
        return Bun.file(`${assetDir}${params.file}`);
      },
      { detail: { hide: true } },
    );
}
