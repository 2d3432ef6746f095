import { expect, test } from "bun:test";
import {
  acceptedDifferences,
  checkAnswer,
  injectedFields,
  readBackDifferences,
  readBackOperation,
} from "./check.ts";
import { type OpenApiDocument, operationsOf } from "./openapi.ts";
import type { JsonSchema } from "./validate.ts";

const item: JsonSchema = {
  type: "object",
  required: ["id", "title", "startsAt"],
  properties: {
    id: { type: "string", format: "uuid" },
    title: { type: "string" },
    startsAt: { type: "string", format: "date-time" },
    location: { type: ["object", "null"], properties: { name: { type: "string" } } },
  },
};
const problem: JsonSchema = {
  type: "object",
  required: ["status"],
  properties: { status: { type: "integer" } },
};
const json = (schema: JsonSchema) => ({ "application/json": { schema } });

const document: OpenApiDocument = {
  openapi: "3.1.0",
  paths: {
    "/things": {
      post: {
        requestBody: { required: true, content: json(item) },
        responses: { "201": { content: json(item) }, "422": { content: json(problem) } },
      },
      get: { responses: { "200": { content: json({ type: "object" }) } } },
    },
    "/things/{id}": { get: { responses: { "200": { content: json(item) }, "4XX": {} } } },
  },
};
const operation = (key: string) => operationsOf(document).find((o) => o.key === key);
const [create, list, read] = ["POST /things", "GET /things", "GET /things/{id}"].map(operation);

const answer = (status: number, body: unknown, contentType = "application/json") => ({
  status,
  contentType,
  text: JSON.stringify(body),
  json: body,
});
const thing = {
  id: "0190a6e2-7b7c-7cc0-8b7e-3c1f2d4e5a6b",
  title: "Lake",
  startsAt: "2030-06-01T10:00:00.000Z",
};

test("the operations of a document, with their statuses and body", () => {
  expect(operationsOf(document).map((o) => o.key)).toEqual([
    "GET /things",
    "POST /things",
    "GET /things/{id}",
  ]);
  expect(Object.keys(create!.responses)).toEqual(["201", "422"]);
  expect(create!.body?.content["application/json"]).toEqual(item);
});

test("an answer keeps its promises: a listed status, a body matching its schema", () => {
  expect(checkAnswer(create!, answer(201, thing))).toEqual([]);
  expect(checkAnswer(create!, answer(422, { status: 422 }, "application/problem+json"))).toEqual(
    [],
  );
  // A status range in the document covers its statuses; a status with no content is not read.
  expect(checkAnswer(read!, answer(404, "anything"))).toEqual([]);
});

test("an answer breaks them: 5xx, an unlisted status, a body off its schema", () => {
  const kinds = (a: ReturnType<typeof answer>) => checkAnswer(create!, a).map((f) => f.kind);
  expect(kinds(answer(500, { status: 500 }))).toEqual(["5xx", "undocumented status"]);
  expect(kinds(answer(409, { status: 409 }))).toEqual(["undocumented status"]);
  expect(kinds(answer(201, { ...thing, startsAt: "2030-06-01T10:00:00+0100" }))).toEqual(["body"]);
  expect(kinds(answer(201, { ...thing, id: undefined }))).toEqual(["body"]);
  expect(
    kinds({ status: 201, contentType: "application/json", text: "{", json: undefined }),
  ).toEqual(["body"]);
  expect(kinds(answer(201, thing, "text/html"))).toEqual(["body"]);
});

test("accepted values: date-times compare as instants, objects over the fields sent", () => {
  const sent = { title: "Lake", startsAt: "2030-06-01T12:00:00+02:00", location: { name: "x" } };
  const stored = { ...thing, location: { name: "x", address: null } };
  expect(acceptedDifferences(sent, item, stored, item)).toEqual([]);
  expect(acceptedDifferences({ ...sent, title: " Lake " }, item, stored, item)).toEqual([
    '/title: sent " Lake ", answered "Lake"',
  ]);
  expect(
    acceptedDifferences({ ...sent, startsAt: "2030-06-01T12:00:00.5+02:00" }, item, stored, item),
  ).toHaveLength(1);
  expect(
    acceptedDifferences({ ...sent, location: { name: "y" } }, item, stored, item),
  ).toHaveLength(1);
  // A documented normalisation is applied to the value sent before comparing.
  const lower = { title: (s: string) => s.trim() };
  expect(acceptedDifferences({ ...sent, title: " Lake " }, item, stored, item, lower)).toEqual([]);
});

test("a read back must hold what the write answered", () => {
  const back = { ...thing, startsAt: "2030-06-01T12:00:00+02:00" };
  expect(readBackDifferences(["title", "startsAt"], thing, back)).toEqual([]);
  expect(readBackDifferences(["title"], thing, { ...back, title: "Lak" })).toEqual([
    '/title: answered "Lake", read back "Lak"',
  ]);
  expect(
    readBackDifferences(["startsAt"], thing, { ...back, startsAt: "2030-06-01T10:00:01Z" }),
  ).toHaveLength(1);
});

test("an undocumented field sent must not come back as sent", () => {
  const sent = JSON.parse(
    '{"title":"a","ownerId":"u1","__proto__":{"x":1},"location":{"name":"n","lat":"q"}}',
  );
  const echoed = { ...thing, ownerId: "u1", location: { name: "n", lat: "q" } };
  expect(injectedFields(sent, item, echoed, item)).toEqual([
    '/ownerId: an undocumented field came back as sent ("u1")',
    '/location/lat: an undocumented field came back as sent ("q")',
  ]);
  expect(injectedFields(sent, item, { ...thing, ownerId: "me" }, item)).toEqual([]);
});

test("a write reads back through the item under its path, else the same path", () => {
  const operations = [create!, list!, read!];
  expect(readBackOperation(create!, operations, thing)).toEqual({
    operation: read!,
    extra: thing.id,
  });
  expect(readBackOperation(create!, operations, {})).toEqual({
    operation: list!,
    extra: undefined,
  });
  expect(readBackOperation(read!, [create!], thing)).toBeUndefined();
});
