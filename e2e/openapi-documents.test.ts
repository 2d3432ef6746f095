import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { requestPipeline } from "@hangout/platform/http-pipeline";
import type { OpenApiDocument } from "@hangout/platform/openapi-document";
import { EDGE_SERVER } from "@hangout/platform/openapi-servers";
import { parse } from "yaml";
import { clusterEndpoints, findHttpConnectionManagers, matchRoute } from "../envoy/checks.ts";
import { fetchDocument, lintDocument, serviceApps } from "../scripts/lint-openapi.ts";

/*
 * The OpenAPI document of each HTTP service, as `bun run lint:openapi` builds it (the real app,
 * no database): valid by Redocly's rules, and true of what the service and the edge answer.
 */

const apps = serviceApps();
const documents = new Map<string, OpenApiDocument>();
for (const service of apps) documents.set(service.service, await fetchDocument(service));
afterAll(() => Promise.all(apps.map((a) => a.platform.lifecycle.closeAll(a.platform.logger))));

/** Warnings Redocly may give: no license to name (a private project); localhost servers. */
const UNDERSTOOD: Record<string, string[]> = {
  auth: ["info-license", "no-server-example.com"],
  hangout: ["info-license", "no-server-example.com"],
  file: ["info-license"],
  notification: ["info-license", "no-server-example.com"],
};

const PUBLIC: Record<string, string[]> = {
  auth: [
    "POST /auth/signup",
    "POST /auth/login",
    "POST /auth/refresh",
    "GET /.well-known/jwks.json",
    "GET /healthz",
    "GET /readyz",
  ],
  hangout: ["GET /healthz", "GET /readyz"],
  file: ["GET /healthz", "GET /readyz"],
  // The unsubscribe link's token is its credential (RFC 8058: mail clients send no login).
  notification: [
    "GET /healthz",
    "GET /readyz",
    "GET /notifications/unsubscribe",
    "POST /notifications/unsubscribe",
  ],
};

interface Operation {
  method: string;
  path: string;
  servers: { url: string }[];
  security: unknown[];
  body: boolean;
  query: boolean;
  responses: Record<string, { content?: Record<string, unknown> }>;
}

function operations(document: OpenApiDocument): Operation[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, raw]) => {
      const op = raw as Record<string, unknown>;
      const parameters = (op.parameters ?? []) as { in: string }[];
      return {
        method: method.toUpperCase(),
        path,
        servers: (op.servers ?? document.servers ?? []) as { url: string }[],
        security: op.security as unknown[],
        body: op.requestBody !== undefined,
        query: parameters.some((p) => p.in === "query"),
        responses: op.responses as Operation["responses"],
      };
    }),
  );
}

type Probe = { body?: string; headers?: Record<string, string>; query?: string };

const ID = "0190a1d0-0be8-7781-9e80-461f8cfac890";
const concrete = (path: string) => path.replace(/\{[^}]+\}/g, ID);

describe.each(apps)("$service's OpenAPI document", (service) => {
  const document = documents.get(service.service)!;
  const ops = operations(document);
  const pipeline = requestPipeline(service.platform, service.app);

  test("Redocly finds no error, and only the understood warnings", async () => {
    const { totals, problems } = await lintDocument(service.service, document);
    expect(problems.filter((p) => p.severity === "error")).toEqual([]);
    expect(totals.errors).toBe(0);
    expect([...new Set(problems.map((p) => p.ruleId))].sort()).toEqual(
      UNDERSTOOD[service.service]!,
    );
  }, 30_000);

  test("carries no internal marks", () => {
    expect(JSON.stringify(document)).not.toContain("noValidate");
  });

  test("each operation's servers reach it: directly, and through the edge only if it routes it", async () => {
    const envoy = parse(readFileSync(join(import.meta.dir, "../envoy/envoy.yaml"), "utf8"));
    const edge = findHttpConnectionManagers(envoy).find((h) => h.listener === "https")!;
    const clusters = new Map<string, unknown>(
      envoy.static_resources.clusters.map((c: { name: string }) => [c.name, c]),
    );
    for (const op of ops) {
      const urls = op.servers.map((s) => s.url);
      expect(urls[0]).toBe(service.origin);
      // Served there: neither "no such route" (404) nor "not with this method" (405).
      const direct = (await send(op, op.body ? { body: "{}" } : {})).status;
      const where = `${op.method} ${op.path} directly`;
      expect({ where, served: direct !== 404 && direct !== 405 }).toEqual({ where, served: true });
      const hit = matchRoute(edge.hcm.route_config, op.method, concrete(op.path));
      const claim = `${op.method} ${op.path} through the edge`;
      // A service may have several clusters (hangout's streams have their own): what counts is
      // that the route's cluster sends to this service's host.
      const hosts = clusterEndpoints(clusters.get(hit?.cluster ?? "")).map((e) => e.split(":")[0]);
      expect({ claim, routed: hosts.includes(service.service) }).toEqual({
        claim,
        routed: urls.includes(EDGE_SERVER.url),
      });
    }
  });

  test("public operations say so; every other one answers 401 without a token", async () => {
    const open = ops.filter((op) => op.security.length === 0);
    expect(open.map((op) => `${op.method} ${op.path}`).sort()).toEqual(
      PUBLIC[service.service]!.sort(),
    );
    for (const op of ops.filter((o) => !open.includes(o))) {
      expect(op.security).toEqual([{ bearer: [] }]);
      const response = await send(op, op.body ? { body: "{}" } : {});
      expect({ op: `${op.method} ${op.path}`, status: response.status }).toEqual({
        op: `${op.method} ${op.path}`,
        status: 401,
      });
    }
  });

  test("what the pipeline answers to a malformed request is documented for its route", async () => {
    const pad = "a".repeat(20_000);
    for (const op of ops) {
      const probes: Probe[] = [{}, { headers: { "x-pad": pad } }, { query: `pad=${pad}` }];
      if (op.body) {
        probes.push(
          { body: "{" },
          { body: `${"[".repeat(40)}${"]".repeat(40)}` },
          { body: "hello", headers: { "content-type": "text/plain" } },
          { body: "x".repeat(service.platform.config.HTTP_BODY_LIMIT_BYTES + 1) },
          { body: '{"notAField":1}' },
        );
      }
      if (op.query) probes.push({ query: "limit=0" });
      for (const probe of probes) {
        const response = await send(op, probe);
        const documented = op.responses[String(response.status)];
        const where = `${op.method} ${op.path} answered ${response.status}`;
        expect({ where, documented: documented !== undefined }).toEqual({
          where,
          documented: true,
        });
        const type = response.headers.get("content-type")?.split(";")[0];
        if (type && documented?.content) expect(Object.keys(documented.content)).toContain(type);
      }
    }
  });

  function send(op: Operation, probe: Probe) {
    const query = probe.query ? `?${probe.query}` : "";
    return pipeline(
      new Request(`${service.origin}${concrete(op.path)}${query}`, {
        method: op.method,
        headers: { "content-type": "application/json", ...probe.headers },
        body: probe.body,
      }),
      { address: () => "127.0.0.1" },
    );
  }
});

test("`bun run lint:openapi` passes", async () => {
  const script = Bun.spawn(
    [process.execPath, join(import.meta.dir, "../scripts/lint-openapi.ts")],
    {
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  const [out, err] = await Promise.all([
    new Response(script.stdout).text(),
    new Response(script.stderr).text(),
    script.exited,
  ]);
  expect({ out, err }).toMatchObject({ err: "" });
  expect(out).toContain("auth: 0 errors");
  expect(out).toContain("hangout: 0 errors");
  expect(out).toContain("file: 0 errors");
  expect(script.exitCode).toBe(0);
}, 30_000);

// Last: by now the probes above have sent requests through every route.
test("the documents do not change once the routes have answered requests", async () => {
  for (const service of serviceApps()) {
    try {
      expect(await fetchDocument(service)).toEqual(documents.get(service.service)!);
    } finally {
      await service.platform.lifecycle.closeAll(service.platform.logger);
    }
  }
});
