import { type JsonSchema, resolveRef } from "./validate.ts";

/** The parts of an OpenAPI 3.1 document the fuzzer reads. */
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

export interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required: boolean;
  schema: JsonSchema;
}

export interface Operation {
  /** `POST /hangouts/{id}/invites`. */
  key: string;
  method: string;
  /** The template, with `{name}` parameters. */
  path: string;
  parameters: Parameter[];
  /** Media type → schema of the request body, when the operation takes one. */
  body?: { required: boolean; content: Record<string, JsonSchema | undefined> };
  /** Documented status (`"200"`, `"4XX"`, `"default"`) → media type → schema. */
  responses: Record<string, Record<string, JsonSchema | undefined>>;
  /** Whether the document asks for a bearer token. */
  secured: boolean;
  /** The document itself, for `$ref`. */
  root: OpenApiDocument;
}

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/** Reads a service's document (`GET /docs/json`). */
export async function fetchDocument(baseUrl: string): Promise<OpenApiDocument> {
  const response = await fetch(`${baseUrl}/docs/json`);
  if (response.status !== 200) throw new Error(`${baseUrl}/docs/json answered ${response.status}`);
  const document = (await response.json()) as OpenApiDocument;
  if (!document.openapi?.startsWith("3.1")) {
    throw new Error(`${baseUrl}/docs/json is OpenAPI ${document.openapi}, not 3.1`);
  }
  return document;
}

const asRecord = (value: unknown) => (value ?? {}) as Record<string, unknown>;

function contentSchemas(content: unknown, root: OpenApiDocument) {
  const out: Record<string, JsonSchema | undefined> = {};
  for (const [mediaType, media] of Object.entries(asRecord(content))) {
    const schema = asRecord(media).schema as JsonSchema | undefined;
    out[mediaType] = schema && resolveRef(schema, root);
  }
  return out;
}

/** Every operation of the document, in its order. */
export function operationsOf(root: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(root.paths)) {
    const shared = (item.parameters ?? []) as unknown[];
    for (const method of METHODS) {
      const raw = item[method] as Record<string, unknown> | undefined;
      if (!raw) continue;
      const parameters = [...shared, ...((raw.parameters ?? []) as unknown[])].map((p) => {
        const parameter = resolveRef(p as JsonSchema, root) as unknown as Parameter;
        return {
          ...parameter,
          required: parameter.required === true,
          schema: parameter.schema ?? {},
        };
      });
      const requestBody = raw.requestBody
        ? resolveRef(raw.requestBody as JsonSchema, root)
        : undefined;
      const responses: Operation["responses"] = {};
      for (const [status, response] of Object.entries(asRecord(raw.responses))) {
        responses[status] = contentSchemas(resolveRef(response as JsonSchema, root).content, root);
      }
      const security = (raw.security ??
        (root as { security?: unknown[] }).security ??
        []) as unknown[];
      operations.push({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        parameters,
        body: requestBody
          ? {
              required: requestBody.required === true,
              content: contentSchemas(requestBody.content, root),
            }
          : undefined,
        responses,
        secured: security.length > 0,
        root,
      });
    }
  }
  return operations;
}

/** The path parameter names of a template, in order. */
export const pathParameters = (template: string) =>
  [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);

/**
 * What a path parameter names: the static segment before it (`/hangouts/{id}/members/{userId}`:
 * `id` is a `hangouts`, `userId` a `members`). Pools of known ids are kept under these names.
 */
export function resourceOf(template: string, parameter: string): string {
  const segments = template.split("/");
  const index = segments.indexOf(`{${parameter}}`);
  for (let i = index - 1; i >= 0; i--) {
    if (segments[i] && !segments[i]!.startsWith("{")) return segments[i]!;
  }
  return parameter;
}

/** The collection a POST creates into: the last static segment of its path. */
export const collectionOf = (template: string) =>
  template
    .split("/")
    .filter((s) => s && !s.startsWith("{"))
    .at(-1) ?? "";

/** Fills a template with already-encoded segments. */
export const fillPath = (template: string, values: Record<string, string>) =>
  template.replace(/\{([^}]+)\}/g, (_, name: string) => values[name] ?? "");

/**
 * The documented statuses a status matches, most specific first: `404`, then `4XX`, then
 * `default`. Empty when the document does not list it.
 */
export function documentedStatus(operation: Operation, status: number): string | undefined {
  const candidates = [String(status), `${String(status)[0]}XX`, "default"];
  return candidates.find((c) => Object.hasOwn(operation.responses, c));
}
