/**
 * The web app's static server (web/nginx.conf in compose service `web`, image web/Dockerfile):
 * what it answers for pages and assets, with which caching, and that it fits Envoy's `web`
 * cluster. Read by nginx-conf.ts everywhere; run by a real nginx where one is installed.
 */
import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Any, read } from "@hangout/platform/testing/repository";
import { parse } from "yaml";
import { clusterEndpoints } from "./checks.ts";
import {
  addedHeaders,
  directives,
  location,
  only,
  parseNginxConf,
  serveStatic,
} from "./nginx-conf.ts";

const NGINX_CONF = read("web/nginx.conf");
const conf = parseNginxConf(NGINX_CONF);
const http = only(conf, "http");
const server = only(http.block, "server");
const envoy: Any = parse(read("envoy/envoy.yaml"));
const webCluster = envoy.static_resources.clusters.find((c: Any) => c.name === "web");
const services: Record<string, Any> = parse(read("docker-compose.yml"), { merge: true }).services;
const dockerfile = read("web/Dockerfile");

const IMMUTABLE = "public, max-age=31536000, immutable";
const seconds = (value: string) => Number(value.replace(/s$/, ""));
const listenPort = Number(/(\d+)$/.exec(only(server.block, "listen").args[0]!)?.[1]);
const id = "0195d3a4-7b2c-7c1e-9a3f-2b4c6d8e0f12";
/** What a Vite build writes: index.html and content-hashed files under assets/. */
const BUILD = new Set(["index.html", "assets/index-B_zjrSrV.js", "assets/index-CSm3KVFn.css"]);

describe("web/nginx.conf", () => {
  test("parses: every directive ends with ';' or a block, braces balance", () => {
    expect(conf.map((d) => d.name)).toContain("http");
    expect(() => parseNginxConf("http { server { listen 80 }")).toThrow();
    expect(() => parseNginxConf("gzip off")).toThrow(/no ";"/);
  });

  test("no version in the Server header, no compression (Envoy's), MIME types from the image", () => {
    expect(only(http.block, "server_tokens").args).toEqual(["off"]);
    expect(only(http.block, "gzip").args).toEqual(["off"]);
    expect(directives(http.block, "gzip_static")).toEqual([]);
    expect(only(http.block, "include").args).toEqual(["/etc/nginx/mime.types"]);
    expect(only(http.block, "default_type").args).toEqual(["application/octet-stream"]);
    // no server block of the image (conf.d) is pulled in
    expect(directives(conf, "include")).toEqual([]);
    expect(dockerfile).toContain("RUN rm -f /etc/nginx/conf.d/default.conf");
  });

  test("hashed assets: cached for a year, immutable; a missing one is a 404, never index.html", () => {
    expect(addedHeaders(location(server, "/assets/")?.block)).toEqual({
      "cache-control": IMMUTABLE,
    });
    const hit = serveStatic(server, BUILD, "/assets/index-B_zjrSrV.js");
    expect(hit).toEqual({
      status: 200,
      file: "assets/index-B_zjrSrV.js",
      location: "/assets/",
      headers: { "cache-control": IMMUTABLE },
    });
    for (const uri of ["/assets/x.js", "/assets/index-OLD.js?v=1"]) {
      const miss = serveStatic(server, BUILD, uri);
      expect({ uri, status: miss.status, headers: miss.headers }).toEqual({
        uri,
        status: 404,
        headers: {},
      });
    }
    // the folder itself: no index file in it, no listing (nginx's 403), no caching either
    expect(serveStatic(server, BUILD, "/assets/")).toMatchObject({ status: 403, headers: {} });
  });

  test("index.html and every page path: index.html, revalidated on each load (no-cache)", () => {
    for (const uri of [
      "/",
      "/index.html",
      "/login",
      "/signup?email=a%40b.c",
      `/hangout/${id}`,
      "/settings/notifications",
      "/new",
      "/no/such/page",
      "/assets",
    ]) {
      const reply = serveStatic(server, BUILD, uri);
      expect({ uri, reply }).toEqual({
        uri,
        reply: {
          status: 200,
          file: "index.html",
          location: "= /index.html",
          headers: { "cache-control": "no-cache" },
        },
      });
    }
    // the fallback's own location says the same, should nginx answer from it
    expect(addedHeaders(location(server, "/")?.block)).toEqual({ "cache-control": "no-cache" });
    expect(only(location(server, "/")?.block, "try_files").args).toEqual(["$uri", "/index.html"]);
  });

  test("redirects it might make stay relative (its port is not reachable from outside)", () => {
    expect(only(server.block, "absolute_redirect").args).toEqual(["off"]);
  });
});

describe("the static server behind Envoy", () => {
  test("Envoy's `web` cluster reaches the compose service on the port nginx listens on", () => {
    expect(listenPort).toBeGreaterThan(0);
    expect(clusterEndpoints(webCluster)).toEqual([`web:${listenPort}`]);
  });

  test("Envoy's health check asks for a file the build always has, with no redirect", () => {
    const path = webCluster.health_checks[0].http_health_check.path;
    expect(serveStatic(server, BUILD, path)).toMatchObject({ status: 200, file: "index.html" });
    expect(serveStatic(server, new Set(), path).status).toBe(404);
  });

  test("Envoy drops an idle connection before nginx does", () => {
    const upstream =
      webCluster.typed_extension_protocol_options[
        "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"
      ];
    const envoyIdle = seconds(upstream.common_http_protocol_options.idle_timeout);
    const nginxIdle = seconds(only(http.block, "keepalive_timeout").args[0]!);
    expect(envoyIdle).toBeLessThan(nginxIdle);
    // HTTP/1.1 to nginx: plain HTTP inside the network
    expect(upstream.explicit_http_config.http_protocol_options).toEqual({});
  });

  test("compose: built from web/Dockerfile, nothing published, healthy before Envoy starts", () => {
    const web = services.web;
    expect(web.build).toEqual({ context: ".", dockerfile: "web/Dockerfile" });
    expect(web.image).toMatch(/^hangout-planner\/web:/);
    expect(web.ports).toBeUndefined();
    expect(web.healthcheck.test.join(" ")).toContain(
      `http://127.0.0.1:${listenPort}${webCluster.health_checks[0].http_health_check.path}`,
    );
    expect(services.envoy.depends_on.web.condition).toBe("service_healthy");
  });

  test("web/Dockerfile: builds with Vite on Node from the frozen lockfile, serves with this config", () => {
    const froms = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]!);
    expect(froms.at(-1)).toMatch(/^nginx:\d+\.\d+-alpine$/);
    for (const from of froms) expect(from).not.toMatch(/:latest$/);
    expect(dockerfile).toMatch(/^FROM node:\d+[^\s]*\s+AS build$/m);
    expect(dockerfile).toContain("bun install --frozen-lockfile");
    expect(dockerfile).toContain("cd web && node node_modules/vite/bin/vite.js build");
    expect(dockerfile).toContain("COPY web/nginx.conf /etc/nginx/nginx.conf");
    const root = only(server.block, "root").args[0];
    expect(dockerfile).toContain(`COPY --from=build /src/web/dist ${root}`);
    // the Bun that installs is the repository's
    const bun = /^ARG BUN_VERSION=(\S+)$/m.exec(dockerfile)?.[1];
    expect(`bun@${bun}`).toBe(JSON.parse(read("package.json")).packageManager);
    // the image's build context keeps node_modules and old builds out
    const ignored = read(".dockerignore").split("\n");
    for (const pattern of ["**/node_modules", "**/dist"]) expect(ignored).toContain(pattern);
  });
});

const NGINX = Bun.which("nginx") ?? (existsSync("/usr/sbin/nginx") ? "/usr/sbin/nginx" : null);

// scripts/ensure-test-tools.sh (run by `npm test`) installs Debian's nginx.
describe("web/nginx.conf in a real nginx", () => {
  test("nginx -t accepts it, and it serves pages, assets and misses as modelled above", async () => {
    if (!NGINX) throw new Error("no nginx: run scripts/ensure-test-tools.sh");
    const dir = mkdtempSync(join(tmpdir(), "web-nginx-"));
    try {
      const html = join(dir, "html");
      mkdirSync(join(html, "assets"), { recursive: true });
      for (const file of BUILD) writeFileSync(join(html, file), `/* ${file} */\n`);
      // nginx's workers run as another user: they must read the files
      for (const d of [dir, html, join(html, "assets")]) chmodSync(d, 0o755);
      const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
      const port = probe.port;
      probe.stop(true);
      const local = NGINX_CONF.replace(
        `root ${only(server.block, "root").args[0]};`,
        `root ${html};`,
      )
        .replace(/listen \d+ default_server;/, `listen 127.0.0.1:${port} default_server;`)
        .replace(/^pid .*;$/m, `pid ${join(dir, "nginx.pid")};`)
        // The test runner's stderr may be a socket, which nginx cannot open by path.
        .replace(/^error_log .*;$/m, `error_log ${join(dir, "error.log")} warn;`);
      for (const part of [`root ${html};`, `listen 127.0.0.1:${port} `, `pid ${dir}/nginx.pid;`])
        expect(local).toContain(part);
      const confPath = join(dir, "nginx.conf");
      writeFileSync(confPath, local);
      const check = Bun.spawnSync([NGINX!, "-t", "-q", "-p", dir, "-c", confPath], {
        stderr: "pipe",
      });
      const stderr = check.stderr.toString();
      expect({ code: check.exitCode, stderr }).toMatchObject({ code: 0 });
      expect(stderr).not.toMatch(/\[(emerg|warn)\]/);

      const proc = Bun.spawn([NGINX!, "-p", dir, "-c", confPath, "-g", "daemon off;"], {
        stderr: "inherit",
      });
      try {
        const get = (path: string) =>
          fetch(`http://127.0.0.1:${port}${path}`, { headers: { "accept-encoding": "gzip, br" } });
        for (let i = 0; i < 50; i++) {
          if (
            await get("/index.html").then(
              (r) => r.ok,
              () => false,
            )
          )
            break;
          await Bun.sleep(100);
        }
        for (const uri of [
          "/",
          "/login",
          `/hangout/${id}`,
          "/assets/index-B_zjrSrV.js",
          "/assets/x.js",
        ]) {
          const res = await get(uri);
          const model = serveStatic(server, BUILD, uri);
          expect({
            uri,
            status: res.status,
            body: model.file ? await res.text() : undefined,
            cacheControl: res.headers.get("cache-control") ?? undefined,
            server: res.headers.get("server"),
            encoding: res.headers.get("content-encoding"),
          }).toEqual({
            uri,
            status: model.status,
            body: model.file ? `/* ${model.file} */\n` : undefined,
            cacheControl: model.headers["cache-control"],
            server: "nginx",
            encoding: null,
          });
        }
      } finally {
        proc.kill();
        await proc.exited;
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
