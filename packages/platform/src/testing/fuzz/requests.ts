import fc from "fast-check";
import { arbitraryFor } from "./arbitraries.ts";
import { valueMutation } from "./mutations.ts";
import { fillPath, type Operation, pathParameters, resourceOf } from "./openapi.ts";
import {
  BAD_PATH_IDS,
  BAD_QUERY_VALUES,
  formPayload,
  type Payload,
  payloadMutation,
  toJsonText,
} from "./payloads.ts";
import type { JsonSchema } from "./validate.ts";

/** One generated request, as printed in a counterexample (tokens appear by principal name). */
export interface FuzzCase {
  operation: string;
  method: string;
  /** Whose token is sent (see `FuzzTarget.principals`). */
  as: string;
  /** Path parameters, percent-encoded as sent. */
  path: Record<string, string>;
  /** Query pairs, percent-encoded as sent. */
  query: [string, string][];
  headers: Record<string, string>;
  payload?: Payload;
  /** `valid`, or what was broken. */
  mutation: string;
}

/** A header value replaced by a value no one sent before, when the request is made. */
export const FRESH = "<fresh>";

export interface RequestSetup {
  /** Names of the principals requests are sent as, with how often. */
  principals: [name: string, weight: number][];
  /** Known ids by resource (`hangouts`, `members`…), read when a request is generated. */
  pools: Record<string, string[]>;
  /**
   * Generators for one node of an operation's body, for a parameter (`["query:cursor"]`), or
   * for all its valid path parameters together (`["path"]`, an arbitrary of name → id, used
   * instead of the pools).
   */
  hint?: (
    operation: Operation,
    path: string[],
    schema: JsonSchema,
  ) => fc.Arbitrary<unknown> | undefined;
  /** Extra headers every request carries (a client address…). */
  headers?: fc.Arbitrary<Record<string, string>>;
  bodyLimit: number;
  /** Every method each path template serves, for wrong-method requests. */
  methods: Map<string, Set<string>>;
}

const fromPool = (pool: string[] | undefined, fallback: fc.Arbitrary<string>) =>
  fc.tuple(fc.nat(), fallback).map(([i, other]) => (pool?.length ? pool[i % pool.length]! : other));

const ASCII_HEADER = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

function parameterValues(operation: Operation, setup: RequestSetup, mutate: boolean) {
  const { parameters } = operation;
  const hinted = (where: string, schema: JsonSchema) =>
    setup.hint?.(operation, [where], schema) ??
    arbitraryFor(schema, { root: operation.root }).map((v) =>
      typeof v === "string" ? v : JSON.stringify(v),
    );
  const path: Record<string, fc.Arbitrary<string>> = {};
  for (const name of pathParameters(operation.path)) {
    const known = fromPool(setup.pools[resourceOf(operation.path, name)], fc.uuid());
    path[name] = mutate
      ? fc.oneof(
          { arbitrary: known, weight: 2 },
          { arbitrary: fc.constantFrom(...BAD_PATH_IDS), weight: 3 },
        )
      : fc.oneof({ arbitrary: known, weight: 9 }, { arbitrary: fc.uuid(), weight: 1 });
  }
  // The target's own choice of ids, when it knows better: ids that belong together (an activity
  // of that hangout), or only disposable ones for a DELETE.
  const whole = mutate
    ? undefined
    : (setup.hint?.(operation, ["path"], {}) as fc.Arbitrary<Record<string, string>> | undefined);
  const query = parameters
    .filter((p) => p.in === "query")
    .map((p) => {
      const valid = (hinted(`query:${p.name}`, p.schema) as fc.Arbitrary<string>).map(
        encodeURIComponent,
      );
      const value = mutate ? fc.oneof(valid, fc.constantFrom(...BAD_QUERY_VALUES)) : valid;
      return fc.option(
        value.map((v): [string, string] => [p.name, v]),
        { nil: undefined, freq: p.required ? 0 : 2 },
      );
    });
  const headers = parameters
    .filter((p) => p.in === "header")
    .map((p) => {
      const drawn = (hinted(`header:${p.name}`, p.schema) as fc.Arbitrary<string>).filter((v) =>
        ASCII_HEADER.test(v),
      );
      const valid = fc.oneof({ arbitrary: fc.constant(FRESH), weight: 8 }, drawn);
      const bad = fc.constantFrom("", " ", "k".repeat(1000), "k".repeat(256), "fuzz-reused-key");
      const value = mutate ? fc.oneof(valid, bad) : valid;
      return fc.option(
        value.map((v): [string, string] => [p.name, v]),
        { nil: undefined, freq: p.required ? 0 : 2 },
      );
    });
  // A parameter twice, or one the document does not list.
  const extraQuery = mutate
    ? fc.option(
        fc.constantFrom(
          ...parameters.filter((p) => p.in === "query").map((p) => p.name),
          "x",
          "__proto__",
        ),
        { nil: undefined },
      )
    : fc.constant(undefined);
  return {
    path: whole ?? fc.record(path),
    query: fc
      .tuple(fc.tuple(...query), extraQuery)
      .map(([pairs, extra]) => [
        ...pairs.filter((p) => p !== undefined),
        ...(extra === undefined ? [] : [[extra, "1"] as [string, string]]),
      ]),
    headers: fc
      .tuple(...headers)
      .map((pairs) => Object.fromEntries(pairs.filter((p) => p !== undefined))),
  };
}

/** Requests for one operation: valid ones from its schemas, and each kind of broken one. */
export function requestsFor(operation: Operation, setup: RequestSetup): fc.Arbitrary<FuzzCase> {
  const jsonSchema = operation.body?.content["application/json"];
  const body = jsonSchema
    ? arbitraryFor(jsonSchema, {
        root: operation.root,
        hint: (path, schema) => setup.hint?.(operation, path, schema),
      })
    : undefined;
  const as = fc.oneof(
    ...setup.principals.map(([name, weight]) => ({ arbitrary: fc.constant(name), weight })),
  );
  const extra = setup.headers ?? fc.constant({});
  const build = (
    mutate: "path" | "query" | "header" | false,
    payload: fc.Arbitrary<{ mutation: string; payload?: Payload }>,
  ) => {
    const params = parameterValues(operation, setup, mutate !== false);
    const keep = (kind: string) => mutate === kind || mutate === false;
    const valid = parameterValues(operation, setup, false);
    return fc
      .record({
        as,
        extra,
        path: keep("path") ? params.path : valid.path,
        query: keep("query") ? params.query : valid.query,
        headers: keep("header") ? params.headers : valid.headers,
        payload,
      })
      .map(
        (r): FuzzCase => ({
          operation: operation.key,
          method: operation.method,
          as: r.as,
          path: r.path,
          query: r.query,
          headers: { ...r.extra, ...r.headers },
          payload: r.payload.payload,
          mutation: mutate ? `${mutate} parameter` : r.payload.mutation,
        }),
      );
  };
  const validPayload = body
    ? body.map((value) => ({
        mutation: "valid",
        payload: { contentType: "application/json", value } as Payload,
      }))
    : fc.constant({ mutation: "valid" as string, payload: undefined });
  const choices: fc.WeightedArbitrary<FuzzCase>[] = [
    { arbitrary: build(false, validPayload), weight: 8 },
  ];
  if (body && jsonSchema) {
    choices.push({
      arbitrary: build(false, valueMutation(jsonSchema, body, operation.root, setup.bodyLimit)),
      weight: 8,
    });
    choices.push({ arbitrary: build(false, payloadMutation(body)), weight: 2 });
    const forms = Object.keys(operation.body?.content ?? {}).filter(
      (t) => t !== "application/json",
    );
    if (forms.length) {
      const form = fc.tuple(body, fc.constantFrom(...forms)).map(([value, type]) => ({
        mutation: `valid as ${type}`,
        payload: formPayload(value, type === "multipart/form-data"),
      }));
      choices.push({ arbitrary: build(false, form), weight: 1 });
    }
  }
  if (pathParameters(operation.path).length)
    choices.push({ arbitrary: build("path", validPayload), weight: 2 });
  if (operation.parameters.some((p) => p.in === "query"))
    choices.push({ arbitrary: build("query", validPayload), weight: 2 });
  if (operation.parameters.some((p) => p.in === "header"))
    choices.push({ arbitrary: build("header", validPayload), weight: 1 });
  const served = setup.methods.get(operation.path) ?? new Set();
  const others = ["GET", "POST", "PUT", "PATCH", "DELETE"].filter((m) => !served.has(m));
  if (others.length) {
    const wrong = fc.tuple(build(false, validPayload), fc.constantFrom(...others)).map(
      ([c, method]): FuzzCase => ({
        ...c,
        method,
        payload: method === "GET" ? undefined : c.payload,
        mutation: `method ${method}`,
      }),
    );
    choices.push({ arbitrary: wrong, weight: 1 });
  }
  return fc.oneof(...choices);
}

/** The URL and `fetch` options of a case; `authorization` is the header for its principal. */
export function toRequest(
  c: FuzzCase,
  operation: Operation,
  baseUrl: string,
  authorization: string | undefined,
) {
  const query = c.query.map(([k, v]) => `${encodeURIComponent(k)}=${v}`).join("&");
  const url = `${baseUrl}${fillPath(operation.path, c.path)}${query ? `?${query}` : ""}`;
  const headers = new Headers(c.headers);
  if (authorization !== undefined) headers.set("authorization", authorization);
  let body: RequestInit["body"];
  const p = c.payload;
  if (p) {
    if (p.form) {
      const form = p.multipart ? new FormData() : new URLSearchParams();
      for (const [k, v] of p.form) form.append(k, v);
      body = form;
    } else if (p.bytes) body = new Uint8Array(p.bytes);
    else {
      const text = p.text ?? toJsonText(p.value) ?? "";
      // fetch labels a string body text/plain; bytes go without a content type unless one is set.
      body = p.contentType ? text : new TextEncoder().encode(text);
    }
    if (p.contentType) headers.set("content-type", p.contentType);
  }
  return { url, init: { method: c.method, headers, body } satisfies RequestInit };
}
