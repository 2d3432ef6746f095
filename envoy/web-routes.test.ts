/**
 * One origin for the app and the API (docs/decisions/0020-web-app.md): the edge sends the API's
 * paths to the services as before and every other GET to the web app's static files. The API's
 * space is what the dev server proxies (web/build/api-proxy.ts); the pages are the app's routes
 * (web/src/app.tsx) and the links in emails (services/notification/src/templates/web-links.ts).
 */
import { describe, expect, test } from "bun:test";
import { type Any, read } from "@hangout/platform/testing/repository";
import { parse } from "yaml";
import { resolveComposeVars } from "../deploy/compose/compose.ts";
import { webLinks } from "../services/notification/src/templates/web-links.ts";
import { apiProxy } from "../web/build/api-proxy.ts";
import {
  clusterShape,
  findHttpConnectionManagers,
  listRoutes,
  matchRoute,
  routeMethods,
} from "./checks.ts";

const config: Any = parse(read("envoy/envoy.yaml"));
const hcm: Any = findHttpConnectionManagers(config).find((h) => h.listener === "https")!.hcm;
const table = hcm.route_config;
const routes = listRoutes(table, "").map((r) => r.route as Any);
const services: Record<string, Any> = parse(read("docker-compose.yml"), { merge: true }).services;

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
const SERVICE_CLUSTERS = ["auth", "hangout", "hangout_streams", "notification"];
const id = "0195d3a4-7b2c-7c1e-9a3f-2b4c6d8e0f12";
const clusterOf = (method: string, path: string) => matchRoute(table, method, path)?.cluster;

/** The dev server's API prefixes, as regular expressions on the path (with its query). */
const API = Object.keys(apiProxy({})).map((key) => new RegExp(key));
const isApi = (path: string) => API.some((re) => re.test(path));

/** The app's page paths, from its router, with an id for each parameter. */
const PAGES = [...read("web/src/app.tsx").matchAll(/<Route\s+path="([^"]+)"/g)].map((m) =>
  m[1]!.replace(/:[A-Za-z]+/g, id),
);

/** Requests of the API at each prefix, and the service cluster the edge sends them to. */
const API_REQUESTS: [string, string, string][] = [
  ["POST", "/auth/login", "auth"],
  ["POST", "/auth/refresh", "auth"],
  ["GET", "/auth/me", "auth"],
  ["GET", "/.well-known/jwks.json", "auth"],
  ["GET", "/hangouts", "hangout"],
  ["GET", "/hangouts?limit=20", "hangout"],
  ["POST", "/hangouts", "hangout"],
  ["GET", `/hangouts/${id}`, "hangout"],
  ["PUT", `/hangouts/${id}/rsvp`, "hangout"],
  ["GET", `/hangouts/${id}/events`, "hangout_streams"],
  ["GET", `/memories/${id}`, "hangout"],
  ["DELETE", `/memories/${id}`, "hangout"],
  ["GET", "/me/events", "hangout_streams"],
  ["GET", "/me/events?x=1", "hangout_streams"],
  ["GET", "/notifications/preferences", "notification"],
  ["PUT", "/notifications/preferences", "notification"],
  ["GET", "/notifications/unsubscribe?token=a.b", "notification"],
  ["POST", "/notifications/unsubscribe?token=a.b", "notification"],
];

/**
 * Paths in the API's space (its prefixes; /me/events also with deeper segments, as /hangouts and
 * /notifications) that no API route takes for some method: a 404 at the edge, never the app.
 */
const API_MISSES = ["/.well-known/other", "/.well-known/jwks.json", "/me/events", "/me/events/x"];

describe("the route table: the API to the services, everything else to the web app", () => {
  test("the app's router has the pages this test expects (a new page is checked too)", () => {
    expect(PAGES).toEqual(
      expect.arrayContaining([
        "/",
        "/login",
        "/signup",
        `/hangout/${id}`,
        "/settings/notifications",
      ]),
    );
  });

  for (const [method, path, cluster] of API_REQUESTS) {
    test(`${method} ${path} → ${cluster}, as the dev server proxies it`, () => {
      expect(isApi(path)).toBe(true);
      expect(clusterOf(method, path)).toBe(cluster);
    });
  }

  test("pages, assets and any other path: GET and HEAD → web", () => {
    const paths = [
      ...PAGES,
      "/assets/x.js",
      "/assets/index-B_zjrSrV.js",
      "/assets/index-CSm3KVFn.css",
      "/index.html",
      "/login?next=%2Fnew",
      "/signup?email=a%40b.c&invitation=1&hangout=2",
      "/no/such/page",
      "/auth",
      "/hangoutsx",
      "/memories",
      "/notificationsx",
      "/me",
      "/me/eventsx",
      "/favicon.ico",
    ];
    for (const path of paths) {
      expect({ path, api: isApi(path) }).toEqual({ path, api: false });
      for (const method of ["GET", "HEAD"])
        expect({ method, path, cluster: clusterOf(method, path) }).toEqual({
          method,
          path,
          cluster: "web",
        });
    }
  });

  test("a page never receives another method: POST /login and the like are a 404 problem", () => {
    for (const method of METHODS.filter((m) => m !== "GET" && m !== "HEAD"))
      for (const path of ["/", "/login", `/hangout/${id}`, "/assets/x.js"])
        expect({ method, path, route: matchRoute(table, method, path)?.name }).toEqual({
          method,
          path,
          route: undefined,
        });
  });

  test("nothing in the API's space reaches the web app, whatever the method", () => {
    for (const path of [...API_REQUESTS.map(([, path]) => path), ...API_MISSES]) {
      for (const method of METHODS) {
        const cluster = clusterOf(method, path);
        expect({ method, path, web: cluster === "web" }).toEqual({ method, path, web: false });
        if (cluster) expect(SERVICE_CLUSTERS).toContain(cluster);
      }
    }
    // what no API route takes stays a 404, as before the app was served
    for (const path of ["/.well-known/other", "/me/events/x"])
      expect(clusterOf("GET", path)).toBeUndefined();
    expect(clusterOf("HEAD", "/me/events")).toBeUndefined();
  });

  test("the web route is last, GET and HEAD only, and its API guard is a plain RE2 pattern", () => {
    const web = routes.at(-1);
    expect(web.name).toBe("web");
    expect(web.route.cluster).toBe("web");
    expect(web.match.prefix).toBe("/");
    expect(routeMethods(web)).toEqual(["GET", "HEAD"]);
    expect(routes.filter((r) => r.route?.cluster === "web").map((r) => r.name)).toEqual(["web"]);
    const guard = web.match.headers.find((h: Any) => h.name === ":path");
    expect(guard.invert_match).toBe(true);
    // RE2 has no lookaround or backreferences
    expect(guard.string_match.safe_regex.regex).not.toMatch(/\(\?[=!<]|\\[1-9]/);
    // without the guard, HEAD /me/events would reach the files
    const doc = structuredClone(config);
    const unguarded = findHttpConnectionManagers(doc).find((h) => h.listener === "https")!
      .hcm as Any;
    const last = unguarded.route_config.virtual_hosts[0].routes.at(-1);
    last.match.headers = last.match.headers.filter((h: Any) => h.name !== ":path");
    expect(matchRoute(unguarded.route_config, "HEAD", "/me/events")?.cluster).toBe("web");
  });

  test("the links in emails open the app's pages at the edge; unsubscribe stays the service's", () => {
    const env = services.notification.environment;
    const app = resolveComposeVars(env.WEB_APP_URL);
    const publicUrl = resolveComposeVars(env.NOTIFICATION_PUBLIC_URL);
    const https = resolveComposeVars(services.envoy.ports[0]).split(":")[0];
    expect(app).toBe(`https://localhost:${https}`);
    expect(publicUrl).toBe(app);
    const links = [
      webLinks.hangout(app, id),
      webLinks.signUp(app, { email: "a@b.c", invitationId: id, hangoutId: id }),
      webLinks.preferences(app),
    ];
    for (const link of links) {
      const url = new URL(link);
      expect(url.origin).toBe(app);
      expect(clusterOf("GET", url.pathname + url.search)).toBe("web");
    }
    const unsubscribe = new URL("/notifications/unsubscribe?token=a.b", publicUrl);
    for (const method of ["GET", "POST"])
      expect(clusterOf(method, unsubscribe.pathname + unsubscribe.search)).toBe("notification");
  });

  test("the bucket lets the app's origin upload and read photos", () => {
    const origins = resolveComposeVars(services.file.environment.S3_CORS_ORIGINS).split(",");
    expect(origins).toContain(resolveComposeVars(services.notification.environment.WEB_APP_URL));
    // the rule the file service puts on the bucket for those origins
    const store = read("services/file/src/repositories/object-store.ts");
    const methods = /AllowedMethods:\s*\[([^\]]*)\]/.exec(store)?.[1] ?? "";
    for (const method of ["PUT", "GET"]) expect(methods).toContain(`"${method}"`);
  });

  test("the `web` cluster has the services' policy; its health check fetches index.html", () => {
    const clusters = config.static_resources.clusters as Any[];
    const web: Any = clusterShape(clusters.find((c) => c.name === "web"));
    const auth: Any = clusterShape(clusters.find((c) => c.name === "auth"));
    expect(web.health_checks[0].http_health_check.path).toBe("/index.html");
    web.health_checks[0].http_health_check.path = auth.health_checks[0].http_health_check.path;
    expect(web).toEqual(auth);
  });
});
