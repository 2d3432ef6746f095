/**
 * `npm run dev` (through scripts/dev.ts) serves the app with hot reload on 5173 and proxies the
 * API; `bun run web:build` writes the static files the edge serves (web/dist).
 */
import preact from "@preact/preset-vite";
import { defineConfig } from "vite";
import { apiProxy } from "./build/api-proxy.ts";
import { bundleSize } from "./build/bundle-size.ts";

const port = Number(process.env.WEB_PORT || 5173);

export default defineConfig({
  plugins: [preact(), bundleSize()],
  server: { host: "localhost", port, strictPort: true, proxy: apiProxy(process.env) },
  preview: { host: "localhost", port, strictPort: true, proxy: apiProxy(process.env) },
  // No source maps: the files are public at the edge, and nothing here reads them.
  build: { target: "es2022", sourcemap: false, assetsInlineLimit: 0 },
});
