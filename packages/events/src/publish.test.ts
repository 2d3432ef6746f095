import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import {
  ENVELOPE_FILE,
  exampleEvent,
  publishedSchemas,
  schemaFile,
  withTypesTable,
} from "./publish.ts";
import { eventTypeList } from "./registry.ts";

const root = join(import.meta.dir, "..");
const published = publishedSchemas();
const committed = (file: string) => Bun.file(join(root, "schemas", file)).json();

describe("the published files", () => {
  test("are one schema per type plus the envelope, and nothing else", () => {
    const expected = [ENVELOPE_FILE, ...eventTypeList.map((d) => schemaFile(d.type))].sort();
    expect([...published.keys()].sort()).toEqual(expected);
    expect(readdirSync(join(root, "schemas")).sort()).toEqual(expected);
  });

  test("are what the generator makes now (run `bun packages/events/generate.ts`)", async () => {
    for (const [file, schema] of published)
      expect({ file, schema: await committed(file) }).toEqual({ file, schema });
  });

  test("README.md lists every type, as the generator writes the table", async () => {
    const readme = await Bun.file(join(root, "README.md")).text();
    expect(readme).toBe(withTypesTable(readme));
    for (const d of eventTypeList)
      expect(readme).toContain(`[\`${d.type}\`](schemas/${schemaFile(d.type)})`);
  });
});

describe("a standard JSON Schema validator (ajv, 2020-12, ajv-formats)", () => {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);

  test("accepts each type's example against its committed schema and the envelope's", async () => {
    const envelope = ajv.compile(await committed(ENVELOPE_FILE));
    for (const d of eventTypeList) {
      const validate = ajv.compile(await committed(schemaFile(d.type)));
      const example = exampleEvent(d);
      expect({ type: d.type, errors: validate(example) ? null : validate.errors }).toEqual({
        type: d.type,
        errors: null,
      });
      expect(envelope(example)).toBe(true);
    }
  });

  test("refuses what parseEvent refuses for breaking a schema", async () => {
    const invited = ajv.compile(
      await committed(schemaFile("dev.hangout-planner.member.invited.v1")),
    );
    const d = eventTypeList.find((e) => e.type === "dev.hangout-planner.member.invited.v1")!;
    const event = structuredClone(exampleEvent(d)) as { data: Record<string, unknown> };
    event.data.invitee = {
      userId: "0197a4e9-2b3c-7d4e-9f50-b2c3d4e5f607",
      email: "ann@example.com",
    };
    expect(invited(event)).toBe(false);
    for (const other of eventTypeList) {
      const validate = ajv.compile(await committed(schemaFile(other.type)));
      const withEmail = structuredClone(exampleEvent(other));
      withEmail.data = { ...withEmail.data, email: "ann@example.com" } as never;
      expect(validate(withEmail)).toBe(false);
      expect(validate({ ...exampleEvent(other), source: "/elsewhere" })).toBe(false);
      expect(validate({ ...exampleEvent(other), type: `${other.type.slice(0, -1)}2` })).toBe(false);
    }
  });
});
