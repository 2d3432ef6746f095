/**
 * The fuzzer against a small real HTTP service that keeps its document, then against the same
 * service with one bug at a time: it must pass the first and name each bug's class.
 */
import { afterAll, expect, test } from "bun:test";
import type { OpenApiDocument } from "./openapi.ts";
import { fuzz } from "./run.ts";
import { validate } from "./validate.ts";

type Bug =
  | "none"
  | "answers 500 to a lone surrogate"
  | "answers 409 to a long title"
  | "truncates what it stored"
  | "echoes fields it does not document";

const problem = {
  type: "object",
  required: ["status"],
  properties: { status: { type: "integer" } },
};
const note = {
  type: "object",
  required: ["id", "title", "at"],
  properties: {
    id: { type: "string", format: "uuid" },
    title: { type: "string" },
    at: { type: "string", format: "date-time" },
  },
};
const input = {
  type: "object",
  additionalProperties: false,
  required: ["title", "at"],
  properties: {
    title: { type: "string", minLength: 1, maxLength: 20 },
    at: { type: "string", format: "date-time" },
  },
};
const json = (schema: unknown) => ({ content: { "application/json": { schema } } });
const errors = {
  "400": json(problem),
  "404": json(problem),
  "415": json(problem),
  "422": json(problem),
};
const document: OpenApiDocument = {
  openapi: "3.1.0",
  paths: {
    "/notes": {
      post: {
        requestBody: { required: true, ...json(input) },
        responses: { "201": json(note), ...errors },
      },
    },
    "/notes/{id}": { get: { responses: { "200": json(note), ...errors } } },
  },
};

function service(bug: Bug) {
  const notes = new Map<string, Record<string, unknown>>();
  const reply = (status: number, body: unknown) => Response.json(body, { status });
  const fail = (status: number) =>
    new Response(JSON.stringify({ status }), {
      status,
      headers: { "content-type": "application/problem+json" },
    });
  return Bun.serve({
    port: 0,
    async fetch(request) {
      const { pathname } = new URL(request.url);
      if (pathname === "/docs/json") return reply(200, document);
      const item = /^\/notes\/([^/]+)$/.exec(pathname);
      if (item) {
        if (request.method !== "GET") return fail(405);
        let id: string;
        try {
          id = decodeURIComponent(item[1]!).toLowerCase();
        } catch {
          return fail(404);
        }
        const found = notes.get(id);
        if (!found) return fail(404);
        return reply(
          200,
          bug === "truncates what it stored"
            ? { ...found, title: String(found.title).slice(0, 3) }
            : found,
        );
      }
      if (pathname !== "/notes") return fail(404);
      if (request.method !== "POST") return fail(405);
      if (!/^application\/json\b/i.test(request.headers.get("content-type") ?? ""))
        return fail(415);
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(
          new TextDecoder("utf-8", { fatal: true }).decode(await request.arrayBuffer()),
        );
      } catch {
        return fail(400);
      }
      const title = (body as { title?: unknown })?.title;
      if (
        bug === "answers 500 to a lone surrogate" &&
        typeof title === "string" &&
        !title.isWellFormed()
      )
        return fail(500);
      if (bug === "answers 409 to a long title" && typeof title === "string" && title.length > 20)
        return fail(409);
      const lenient = { ...input, additionalProperties: true };
      if (bug === "echoes fields it does not document" && validate(lenient, body).length === 0) {
        return reply(201, { ...body, id: crypto.randomUUID() });
      }
      if (validate(input, body).length) return fail(422);
      const at = Date.parse(String(body.at));
      if (Number.isNaN(at) || !title || !String(title).isWellFormed()) return fail(422);
      const stored = { id: crypto.randomUUID(), title, at: new Date(at).toISOString() };
      notes.set(stored.id, stored);
      return reply(201, stored);
    },
  });
}

const SEED = 7;
const servers: ReturnType<typeof service>[] = [];
afterAll(() => {
  for (const s of servers) s.stop(true);
});

async function fuzzed(bug: Bug, all = true) {
  const server = service(bug);
  servers.push(server);
  const baseUrl = `http://127.0.0.1:${server.port}`;
  const result = await fuzz([{ service: "notes", baseUrl, document, principals: {}, pools: {} }], {
    runs: 400,
    seed: SEED,
    all,
  });
  return result;
}

test("a service that keeps its document passes, with its writes read back", async () => {
  const result = await fuzzed("none");
  expect(result.message).toBe("");
  expect(result.requests).toBeGreaterThanOrEqual(400);
  expect(result.readBacks).toBeGreaterThan(10);
  expect(result.untried).toEqual([]);
});

test.each([
  ["answers 500 to a lone surrogate", "notes POST /notes | 5xx | 500"],
  ["answers 409 to a long title", "notes POST /notes | undocumented status | 409"],
  ["truncates what it stored", "notes POST /notes | read back differs | 201"],
  ["echoes fields it does not document", "notes POST /notes | injected field | 201"],
] as const)("a service that %s fails, the class named", async (bug, expected) => {
  const result = await fuzzed(bug);
  expect(result.message).toContain(`Fuzzing failed (seed ${SEED},`);
  expect(result.classes.map((c) => c.key).some((k) => k.startsWith(expected))).toBe(true);
});

test("without FUZZ_ALL the first failure is shrunk and printed, request and answer", async () => {
  const result = await fuzzed("answers 500 to a lone surrogate", false);
  expect(result.message).toContain("Smallest counterexample after");
  expect(result.message).toMatch(
    /notes: POST \/notes .*\n.*\n {4}body: application\/json .*\\\\ud[8b]00/,
  );
  expect(result.message).toContain("answer: 500 application/problem+json");
  expect(result.message).toContain(`FUZZ_SEED=${SEED} `);
});
