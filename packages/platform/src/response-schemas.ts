import { CloneType } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { routePattern } from "./allowed-methods.ts";

/** What this module needs of an Elysia app: its routes and their documented responses. */
export interface RoutedApp {
  routes: readonly {
    method: string;
    path: string;
    hooks?: { response?: unknown };
  }[];
}

type Schema = Parameters<typeof Value.Check>[0] & { noValidate?: boolean };

const successSchemas = (hooks: { response?: unknown } | undefined): [number, Schema][] => {
  const response = hooks?.response;
  if (!response || typeof response !== "object") return [];
  return Object.entries(response as Record<string, Schema>)
    .filter(([status]) => /^2\d\d$/.test(status))
    .map(([status, schema]) => [Number(status), schema]);
};

/**
 * Turns off Elysia's per-request check of success bodies against their schemas. The schemas still
 * document every response in OpenAPI (without the mark). What goes is re-checking, on every
 * request, bodies the views built field by field from typed rows: mostly date-time and uuid
 * format regexes over values written by `toISOString()` and the database
 * (docs/decisions/0010-trusted-success-bodies.md). An app that normalizes still strips undeclared
 * fields; the platform's does not (0013). The test suites check real responses against the same
 * schemas instead (`checkDocumentedResponse`, run by the harnesses on every response). Call
 * before the first request: Elysia compiles a route's handler then.
 */
export function trustSuccessBodies(app: RoutedApp) {
  for (const route of app.routes) {
    for (const [, schema] of successSchemas(route.hooks)) {
      // Not enumerable: Elysia reads the mark, but the OpenAPI document (built from these same
      // schemas by copying and JSON) must not carry it; `noValidate` is not a JSON Schema keyword.
      Object.defineProperty(schema, "noValidate", {
        value: true,
        enumerable: false,
        configurable: true,
        writable: true,
      });
    }
  }
}

/**
 * Throws unless a success body matches the schema its route documents. Routes with a static
 * segment win over parameters, as in Elysia's router. Non-2xx statuses are not checked here
 * (problem+json comes from one mapper with its own tests).
 */
export function checkDocumentedResponse(
  app: RoutedApp,
  method: string,
  path: string,
  status: number,
  body: unknown,
) {
  if (status < 200 || status > 299) return;
  const candidates = app.routes
    .filter((route) => route.method === method && routePattern(route.path).test(path))
    .sort((a, b) => (a.path.match(/:/g)?.length ?? 0) - (b.path.match(/:/g)?.length ?? 0));
  const route = candidates[0];
  if (!route) throw new Error(`${method} ${path}: no route documents this response`);
  const documented = successSchemas(route.hooks);
  const schema = documented.find(([code]) => code === status)?.[1];
  if (!schema) {
    // Routes that document no body at all (health, metrics, docs, 204s) are not checked.
    if (documented.length === 0) return;
    throw new Error(`${method} ${route.path} answered ${status}, which it does not document`);
  }
  const [first] = Value.Errors(closed(schema), body);
  if (first) {
    throw new Error(
      `${method} ${route.path} ${status}: the body does not match its documented schema at ` +
        `${first.path || "/"}: ${first.message}`,
    );
  }
}

const closedCopies = new WeakMap<object, Schema>();

/**
 * The schema with every object closed (`additionalProperties: false`): the server no longer
 * strips undeclared fields (0013), so a test must fail on a view that adds one.
 */
function closed(schema: Schema): Schema {
  let copy = closedCopies.get(schema);
  if (!copy) {
    copy = CloneType(schema) as Schema;
    closeObjects(copy);
    closedCopies.set(schema, copy);
  }
  return copy;
}

function closeObjects(node: unknown) {
  if (typeof node !== "object" || node === null) return;
  const record = node as Record<string, unknown>;
  if (record.type === "object" && record.properties && !("additionalProperties" in record)) {
    record.additionalProperties = false;
  }
  for (const value of Object.values(record)) closeObjects(value);
}
