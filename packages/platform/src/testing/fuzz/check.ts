import { documentedStatus, type Operation } from "./openapi.ts";
import { deepEqual, type JsonSchema, resolveRef, validate } from "./validate.ts";

/** One broken promise of the document, found on one request. */
export interface Finding {
  /** Groups findings with one cause: `5xx`, `undocumented status`, `body`, `read back`… */
  kind: string;
  detail: string;
}

/** What came back, read once. */
export interface Answer {
  status: number;
  contentType: string | null;
  text: string;
  /** The parsed body, when it is JSON. */
  json?: unknown;
}

export async function readAnswer(response: Response): Promise<Answer> {
  const contentType = response.headers.get("content-type");
  const text = /^text\/event-stream\b/i.test(contentType ?? "")
    ? await firstChunk(response)
    : await response.text();
  let json: unknown;
  if (/[/+]json\b/i.test(contentType ?? "")) {
    try {
      json = JSON.parse(text);
    } catch {}
  }
  return { status: response.status, contentType, text, json };
}

/** An event stream never ends: its first bytes (the `retry:` hint) stand for its body. */
async function firstChunk(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return "";
  const { value } = await reader.read();
  await reader.cancel();
  return value ? new TextDecoder().decode(value) : "";
}

const isJsonType = (mediaType: string) => /[/+]json$/i.test(mediaType.split(";")[0]!.trim());

/**
 * What the document promises of an answer: no 5xx, a status it lists, and a body matching the
 * schema it gives for that status (problem+json counts as the JSON the document lists).
 */
export function checkAnswer(operation: Operation, answer: Answer): Finding[] {
  const findings: Finding[] = [];
  if (answer.status >= 500) findings.push({ kind: "5xx", detail: `answered ${answer.status}` });
  const status = documentedStatus(operation, answer.status);
  if (status === undefined) {
    const listed = Object.keys(operation.responses).join(", ") || "none";
    findings.push({
      kind: "undocumented status",
      detail: `answered ${answer.status}; the document lists ${listed}`,
    });
    return findings;
  }
  const media = operation.responses[status] ?? {};
  const types = Object.keys(media);
  if (types.length === 0) return findings;
  const actual = (answer.contentType ?? "").split(";")[0]!.trim().toLowerCase();
  const type =
    types.find((t) => t.toLowerCase() === actual) ??
    (isJsonType(actual) ? types.find(isJsonType) : undefined);
  if (!type) {
    findings.push({
      kind: "body",
      detail: `${answer.status} came as ${answer.contentType ?? "no content type"}; documented: ${types.join(", ")}`,
    });
    return findings;
  }
  const schema = media[type];
  // A page or a stream: its content type is the promise checked; the schema only says "text".
  if (!schema || !isJsonType(type)) return findings;
  if (isJsonType(type) && answer.json === undefined) {
    findings.push({ kind: "body", detail: `${answer.status} body is not JSON` });
    return findings;
  }
  const errors = validate(schema, answer.json, operation.root);
  if (errors.length) {
    const shown = errors.slice(0, 3).map((e) => `${e.path || "/"} ${e.message}`);
    findings.push({
      kind: "body",
      detail: `${answer.status} body does not match its schema: ${shown.join("; ")}`,
    });
  }
  return findings;
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}/;

/** Field values that a service documents as normalised when stored (`email` → lower case). */
export type Normalizations = Record<string, (sent: string) => string>;

const propertiesOf = (schema: JsonSchema | undefined, root: unknown, value: unknown) => {
  if (!schema) return {};
  const resolved = resolveRef(schema, root);
  const branches = (resolved.anyOf ?? resolved.oneOf ?? [resolved]) as JsonSchema[];
  const branch = branches.find((b) => validate(b, value, root).length === 0) ?? resolved;
  return (resolveRef(branch, root).properties ?? {}) as Record<string, JsonSchema>;
};

/** Equal as stored values: date-times as instants, the rest exactly. */
function same(a: unknown, b: unknown): boolean {
  if (typeof a === "string" && typeof b === "string" && DATE_TIME.test(a) && DATE_TIME.test(b)) {
    const [x, y] = [Date.parse(a), Date.parse(b)];
    if (!Number.isNaN(x) && !Number.isNaN(y)) return x === y;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => same(v, b[i]));
  }
  if (a && b && typeof a === "object" && typeof b === "object") {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => same((a as never)[k], (b as never)[k]));
  }
  return deepEqual(a, b);
}

const show = (v: unknown) => JSON.stringify(v)?.slice(0, 200);

/**
 * Compares what a write sent with what it answered, over the documented fields of the body the
 * answer also has: each must read back as sent (objects over the fields sent).
 */
export function acceptedDifferences(
  sent: unknown,
  schema: JsonSchema | undefined,
  answer: unknown,
  root: unknown,
  normalizations: Normalizations = {},
  path = "",
): string[] {
  if (!sent || typeof sent !== "object" || Array.isArray(sent)) {
    return same(sent, answer) ? [] : [`${path}: sent ${show(sent)}, answered ${show(answer)}`];
  }
  if (!answer || typeof answer !== "object")
    return [`${path}: sent an object, answered ${show(answer)}`];
  const properties = propertiesOf(schema, root, sent);
  const out: string[] = [];
  for (const [key, value] of Object.entries(sent)) {
    if (!Object.hasOwn(properties, key) || !Object.hasOwn(answer, key)) continue;
    const got = (answer as Record<string, unknown>)[key];
    const normalize = normalizations[key];
    const expected = typeof value === "string" && normalize ? normalize(value) : value;
    out.push(
      ...acceptedDifferences(
        expected,
        properties[key],
        got,
        root,
        normalizations,
        `${path}/${key}`,
      ),
    );
  }
  return out;
}

/** The fields of `fields` whose values differ between the write's answer and the read back. */
export function readBackDifferences(
  fields: string[],
  answer: unknown,
  readBack: unknown,
): string[] {
  const a = answer as Record<string, unknown>;
  const b = (readBack ?? {}) as Record<string, unknown>;
  return fields
    .filter((k) => !same(a[k], b[k]))
    .map((k) => `/${k}: answered ${show(a[k])}, read back ${show(b[k])}`);
}

/**
 * Undocumented fields a write was sent (`ownerId`, `__proto__`…) that its answer echoes with the
 * very value sent: the service stored or used what it should have ignored or refused.
 */
export function injectedFields(
  sent: unknown,
  schema: JsonSchema | undefined,
  answer: unknown,
  root: unknown,
): string[] {
  if (
    !sent ||
    typeof sent !== "object" ||
    Array.isArray(sent) ||
    !answer ||
    typeof answer !== "object"
  )
    return [];
  const properties = propertiesOf(schema, root, sent);
  const out: string[] = [];
  for (const [key, value] of Object.entries(sent)) {
    const got = (answer as Record<string, unknown>)[key];
    if (!Object.hasOwn(answer, key)) continue;
    if (!Object.hasOwn(properties, key)) {
      if (deepEqual(got, value))
        out.push(`/${key}: an undocumented field came back as sent (${show(value)})`);
    } else {
      out.push(...injectedFields(value, properties[key], got, root).map((m) => `/${key}${m}`));
    }
  }
  return out;
}

/** The operation whose document describes the same resource as a write, when there is one. */
export function readBackOperation(write: Operation, operations: Operation[], answer: unknown) {
  const gets = operations.filter((o) => o.method === "GET");
  const id = (answer as { id?: unknown })?.id;
  const item = gets.find((o) =>
    new RegExp(`^${escapeRegex(write.path)}/\\{[^}/]+\\}$`).test(o.path),
  );
  if (item && typeof id === "string") return { operation: item, extra: id };
  const same = gets.find((o) => o.path === write.path);
  if (same) return { operation: same, extra: undefined };
  return undefined;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
