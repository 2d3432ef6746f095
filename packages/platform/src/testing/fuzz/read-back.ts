import {
  type Answer,
  acceptedDifferences,
  checkAnswer,
  type Finding,
  injectedFields,
  type Normalizations,
  readBackDifferences,
  readBackOperation,
} from "./check.ts";
import { type Operation, pathParameters } from "./openapi.ts";
import { sentJson } from "./payloads.ts";
import type { FuzzCase } from "./requests.ts";

export type ReadBackResult = { value: unknown; via: string } | { finding: Finding };

/**
 * Where a write reads back when the document's paths do not say: the key of a documented GET
 * (a list is searched for the written item by `id` or `userId`), or a function that reads it
 * some other way (a new account through a login, say).
 */
export type ReadBack =
  | string
  | ((context: {
      case: FuzzCase;
      answer: unknown;
      baseUrl: string;
    }) => Promise<ReadBackResult | undefined>);

interface Context {
  service: string;
  baseUrl: string;
  operations: Operation[];
  readBack?: Record<string, ReadBack>;
  normalizations?: Normalizations;
  send(c: FuzzCase, operation: Operation): Promise<Answer>;
}

const MAX_PAGES = 50;

/** Reads the resource a 2xx write answered with, as the same principal; undefined when no GET does. */
export async function readBack(
  context: Context,
  write: Operation,
  c: FuzzCase,
  body: unknown,
): Promise<ReadBackResult | undefined> {
  const override = context.readBack?.[write.key];
  if (typeof override === "function")
    return override({ case: c, answer: body, baseUrl: context.baseUrl });
  const found =
    typeof override === "string"
      ? { operation: context.operations.find((o) => o.key === override), extra: undefined }
      : readBackOperation(write, context.operations, body);
  const get = found?.operation;
  if (!get) return undefined;
  const names = pathParameters(get.path);
  const path: Record<string, string> = {};
  for (const name of names) if (c.path[name] !== undefined) path[name] = c.path[name];
  if (found.extra !== undefined) path[names.at(-1)!] = encodeURIComponent(found.extra);
  const { "idempotency-key": _, ...headers } = c.headers;
  const limit = get.parameters.some((p) => p.in === "query" && p.name === "limit");
  const identity = ["id", "userId"].find(
    (k) => typeof (body as Record<string, unknown>)?.[k] === "string",
  );
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const query: [string, string][] = [];
    if (limit) query.push(["limit", "100"]);
    if (cursor) query.push(["cursor", encodeURIComponent(cursor)]);
    const answer = await context.send(
      {
        operation: `${context.service} ${get.key}`,
        method: "GET",
        as: c.as,
        path,
        query,
        headers,
        mutation: "read back",
      },
      get,
    );
    const via = `read back with ${get.key}`;
    const problems = checkAnswer(get, answer);
    if (answer.status !== 200 || problems.length) {
      const detail = [`answered ${answer.status}`, ...problems.map((p) => p.detail)].join("; ");
      return { finding: { kind: "read back", detail: `${via}: ${detail}` } };
    }
    const json = answer.json as { items?: unknown[]; nextCursor?: string | null } | unknown[];
    const items = Array.isArray(json) ? json : Array.isArray(json?.items) ? json.items : undefined;
    if (!items) return { value: json, via };
    if (!identity) return undefined;
    const wanted = (body as Record<string, unknown>)[identity];
    const item = items.find((i) => (i as Record<string, unknown>)?.[identity] === wanted);
    if (item) return { value: item, via };
    cursor = Array.isArray(json) ? undefined : (json.nextCursor ?? undefined);
    if (!cursor) break;
  }
  return {
    finding: { kind: "read back", detail: `${get.key} does not list the written ${identity}` },
  };
}

/**
 * What a 2xx write broke of what it stored: undocumented fields it echoed, documented fields it
 * answered differently from what was sent, and fields its read back holds differently.
 */
export async function storedFindings(
  context: Context,
  write: Operation,
  c: FuzzCase,
  body: unknown,
): Promise<{ findings: Finding[]; readBack: boolean }> {
  // The body as the service parsed it: raw numbers read, `__proto__` an own key.
  const sent = sentJson(c.payload);
  if (!["POST", "PUT", "PATCH"].includes(write.method) || sent === undefined) {
    return { findings: [], readBack: false };
  }
  const schema = write.body?.content["application/json"];
  const findings: Finding[] = injectedFields(sent, schema, body, write.root).map((detail) => ({
    kind: "injected field",
    detail,
  }));
  const back = await readBack(context, write, c, body);
  if (!back) return { findings, readBack: false };
  if ("finding" in back) return { findings: [...findings, back.finding], readBack: false };
  const fields = Object.keys(sent ?? {}).filter((k) => Object.hasOwn(body as object, k));
  for (const detail of acceptedDifferences(
    sent,
    schema,
    body,
    write.root,
    context.normalizations,
  )) {
    findings.push({ kind: "accepted value changed", detail });
  }
  for (const detail of readBackDifferences(fields, body, back.value)) {
    findings.push({ kind: "read back differs", detail: `${detail} (${back.via})` });
  }
  return { findings, readBack: true };
}
