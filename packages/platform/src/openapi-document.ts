import { toOpenAPISchema } from "@elysiajs/openapi";
import { OptionalKind } from "@sinclair/typebox";
import type { AnyElysia } from "elysia";
import { errorCodes } from "./errors.ts";
import { Problem } from "./http-schemas.ts";

/*
 * The OpenAPI document a service serves: what @elysiajs/openapi generates from the routes,
 * completed with what the generator cannot see: the request pipeline answers some statuses on
 * every route (http-pipeline.ts, request-limits.ts, json-body.ts), errors are problem+json and a
 * 204 has no body. Its servers are added per request (openapi-servers.ts).
 */

type Json = Record<string, unknown>;

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  servers?: { url: string; description: string }[];
  paths: Record<string, Json>;
  components: { schemas: Json; securitySchemes?: Json };
}

type Input = "body" | "query" | "params" | "headers" | "cookie";
const INPUTS: readonly Input[] = ["body", "query", "params", "headers", "cookie"];

/** What this module reads of an Elysia route. */
export interface DocumentedRoute {
  method: string;
  path: string;
  hooks?: Partial<Record<Input | "response", unknown>> & {
    standaloneValidator?: Partial<Record<Input, unknown>>[];
  };
}

const OPENAPI_VERSION = "3.1.2";

const BEARER = { type: "http", scheme: "bearer", bearerFormat: "JWT" } as const;

/** Statuses the pipeline answers on any route, before or around its handler. */
const ANY_REQUEST: Record<number, string> = {
  414: "The URL is too long",
  431: "The request headers are too large",
  500: "An unexpected failure (an unreachable database included); the body names no internals",
};

const INVALID = "A field or parameter is missing, unknown or breaks its rule; `errors` names each";

/** ...on a route that takes a body: the body limit, then one strict JSON parser. */
const WITH_BODY: Record<number, string> = {
  400: "The body is not valid JSON, or nests objects and arrays too deeply",
  413: "The body is larger than the service accepts",
  415: "The body is not of the type documented for it (JSON unless stated)",
  422: INVALID,
};

/** ...on a route whose path has parameters: a path that is not UTF-8 once decoded. */
const WITH_PATH_PARAMETERS: Record<number, string> = {
  404: "The path names nothing (it is not UTF-8 once decoded)",
};

const GENERIC: Record<number, string> = { ...ANY_REQUEST, ...WITH_BODY };

const title = (status: number) =>
  Object.values(errorCodes).find((code) => code.status === status)?.title ?? "Error";

const RETRY_AFTER = {
  "Retry-After": {
    description: "Seconds to wait before trying again",
    schema: { type: "integer", minimum: 1 },
  },
};

const PROBLEM_REF = { $ref: "#/components/schemas/Problem" };

const problem = (status: number, description: string) => ({
  description,
  ...(status === 429 || status === 503 ? { headers: RETRY_AFTER } : {}),
  content: { "application/problem+json": { schema: PROBLEM_REF } },
});

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Elysia's `t.Integer` is "a number, or a string of digits" so that query strings coerce; the
 * JSON a client reads or sends carries the number.
 */
function numbersAsJson(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(numbersAsJson);
  if (!isObject(node)) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) out[key] = numbersAsJson(value);
  const variants = out.anyOf;
  if (!Array.isArray(variants) || variants.length !== 2) return out;
  const digits = variants.find(
    (v) => isObject(v) && v.type === "string" && (v.format === "integer" || v.format === "numeric"),
  );
  const number = variants.find((v) => isObject(v) && (v.type === "integer" || v.type === "number"));
  if (!digits || !isObject(number)) return out;
  const { anyOf: _, ...rest } = out;
  return { ...rest, ...number };
}

/**
 * Every object of a success body has exactly its declared fields: views build them field by
 * field (0013). Elysia writes the same `additionalProperties: false` into a response schema when
 * it compiles the route, so without this the document changed after the first requests.
 */
function closeObjects(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closeObjects);
  if (!isObject(node)) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) out[key] = closeObjects(value);
  if (isObject(out.properties) && !("additionalProperties" in out)) {
    out.additionalProperties = false;
  }
  return out;
}

/** The schema a route declares for a status (a bare schema is its 200). */
function declared(route: DocumentedRoute | undefined, status: string): unknown {
  const response = route?.hooks?.response;
  if (!isObject(response)) return undefined;
  if ("type" in response || "$ref" in response) return status === "200" ? response : undefined;
  return response[status];
}

const validates = (route: DocumentedRoute | undefined, input: Input) =>
  route?.hooks?.[input] !== undefined ||
  (route?.hooks?.standaloneValidator ?? []).some((v) => v[input] !== undefined);

const isOptional = (schema: unknown) =>
  isObject(schema) && (schema as { [OptionalKind]?: unknown })[OptionalKind] === "Optional";

function completeOperation(path: string, operation: Json, route: DocumentedRoute | undefined) {
  const responses: Json = {};
  for (const [status, response] of Object.entries((operation.responses ?? {}) as Json)) {
    const code = Number(status);
    if (declared(route, status) === Problem) {
      responses[status] = problem(code, GENERIC[code] ?? title(code));
    } else if (code === 204 && isObject(response)) {
      // The generator writes a `void` schema as a content entry; a 204 has no content.
      responses[status] = { description: response.description };
    } else if (isObject(response)) {
      const content = isObject(response.content) ? response.content : {};
      responses[status] = {
        ...response,
        content: Object.fromEntries(
          Object.entries(content).map(([type, media]) => [type, closeObjects(media)]),
        ),
      };
    }
  }
  const add = (statuses: Record<number, string>) => {
    for (const [status, description] of Object.entries(statuses)) {
      responses[status] ??= problem(Number(status), description);
    }
  };
  add(ANY_REQUEST);
  if (operation.requestBody) add(WITH_BODY);
  if (INPUTS.some((input) => validates(route, input))) add({ 422: INVALID });
  if (path.includes("{")) add(WITH_PATH_PARAMETERS);

  const completed: Json = { ...operation, responses };
  if (isObject(operation.requestBody)) {
    completed.requestBody = { ...operation.requestBody, required: !isOptional(route?.hooks?.body) };
  }
  return numbersAsJson(completed) as Json;
}

/** The security schemes some operation names, out of those offered. */
function usedSchemes(paths: Record<string, Json>, offered: Json): Json {
  const used = new Set<string>();
  for (const item of Object.values(paths)) {
    for (const operation of Object.values(item)) {
      if (!isObject(operation) || !Array.isArray(operation.security)) continue;
      for (const requirement of operation.security) {
        if (isObject(requirement)) for (const name of Object.keys(requirement)) used.add(name);
      }
    }
  }
  return Object.fromEntries(Object.entries(offered).filter(([name]) => used.has(name)));
}

// Taken at import, before any route compiles: compiling adds `additionalProperties: false` to
// the response schemas Elysia checks, Problem included, though problems never pass that check.
const PROBLEM_SCHEMA = numbersAsJson(JSON.parse(JSON.stringify(Problem)));

/** The generator's output completed; `routes` are the app's, as Elysia lists them. */
function completeDocument(
  generated: { paths: Json; components?: { schemas?: Json } },
  routes: readonly DocumentedRoute[],
  base: { info: OpenApiDocument["info"]; securitySchemes: Json },
): OpenApiDocument {
  // Through JSON: TypeBox's symbol keys and any non-enumerable marks stay behind.
  const plain = JSON.parse(JSON.stringify(generated)) as typeof generated;
  const paths: Record<string, Json> = {};
  for (const [path, item] of Object.entries(plain.paths)) {
    if (!isObject(item)) continue;
    const template = path.replace(/\{([^}]+)\}/g, ":$1");
    const completed: Json = {};
    for (const [method, operation] of Object.entries(item)) {
      if (!isObject(operation)) continue;
      const route = routes.find((r) => r.method.toLowerCase() === method && r.path === template);
      completed[method] = completeOperation(path, operation, route);
    }
    paths[path] = completed;
  }
  const securitySchemes = usedSchemes(paths, base.securitySchemes);
  return {
    openapi: OPENAPI_VERSION,
    info: base.info,
    paths,
    components: {
      schemas: { ...plain.components?.schemas, Problem: PROBLEM_SCHEMA },
      ...(Object.keys(securitySchemes).length > 0 ? { securitySchemes } : {}),
    },
  };
}

/** Elysia keeps these two protected; the generator reads them too. */
interface RouteTree {
  getGlobalRoutes(): DocumentedRoute[];
  getGlobalDefinitions(): unknown;
}
const tree = (app: AnyElysia) => app as unknown as RouteTree;

/** How many routes the whole app has now (the document is rebuilt when that changes). */
export const routeCount = (app: AnyElysia) => tree(app).getGlobalRoutes().length;

/**
 * The app as the generator should see it. Every body goes through one parser function
 * (json-body.ts), which the generator cannot read and so documents no media type at all; named
 * "json", the body is documented as application/json, the one type that parser accepts. A route
 * that declares its type (`parse: "urlencoded"`) keeps that declaration, which the generator reads.
 */
const withJsonBodies = (app: AnyElysia) =>
  ({
    getGlobalRoutes: () =>
      tree(app)
        .getGlobalRoutes()
        .map((route) => {
          if (!route.hooks?.body) return route;
          const declared = ((route.hooks as { parse?: { fn: unknown }[] }).parse ?? []).filter(
            (parser) => typeof parser.fn === "string",
          );
          const parse = declared.length > 0 ? declared : [{ fn: "json" }];
          return { ...route, hooks: { ...route.hooks, parse } };
        }),
    getGlobalDefinitions: () => tree(app).getGlobalDefinitions(),
  }) as unknown as AnyElysia;

/** The document of every route of `app` (whichever instance of its tree), without servers. */
export function buildDocument(app: AnyElysia, info: OpenApiDocument["info"]): OpenApiDocument {
  const generated = toOpenAPISchema(
    withJsonBodies(app),
    { staticFile: false },
    undefined,
    undefined,
    OPENAPI_VERSION,
  );
  return completeDocument(generated, tree(app).getGlobalRoutes(), {
    info,
    securitySchemes: { bearer: BEARER },
  });
}
