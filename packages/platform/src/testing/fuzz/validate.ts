import Ajv2020, { type ErrorObject, type ValidateFunction } from "ajv/dist/2020";
import addFormats from "ajv-formats";
import equal from "fast-deep-equal";
import { isDateTime } from "../../formats.ts";

/**
 * JSON Schema 2020-12 (the dialect of OpenAPI 3.1) by ajv, and the few schema helpers the
 * generators share with it. The documents come over HTTP as plain JSON: TypeBox's checker needs
 * its own symbols on every node and cannot read them.
 */
export type JsonSchema = { [keyword: string]: unknown };

export interface SchemaError {
  /** JSON Pointer to the value (`""` for the root). */
  path: string;
  message: string;
}

// Strict about the schema: an unknown keyword or format is an error, so a document growing a
// rule fails loudly instead of being checked less. Not about style: Elysia writes union types
// and number limits beside an `anyOf` of string and integer, which strictTypes refuses.
const ajv = new Ajv2020({
  strictSchema: true,
  strictNumbers: true,
  strictTypes: false,
  strictTuples: false,
  strictRequired: false,
  allErrors: true,
});
// `nullable` is OpenAPI 3.0; in a 3.1 document it means nothing, so it must not pass as a rule.
ajv.removeKeyword("nullable");
// OpenAPI 3.1's own schema keywords, which only describe.
for (const keyword of ["example", "externalDocs", "xml"]) ajv.addKeyword(keyword);
// The formats the generators can draw (arbitraries.ts), and no others.
addFormats(ajv, ["email", "uuid"]);
// The platform's own date-time rule, not ajv-formats': the services take and answer only these
// (the colon in the offset, years 1000 to 9999), so a generated valid value is one they take and
// an answer is one they would take back.
ajv.addFormat("date-time", isDateTime);
// Elysia documents numeric strings (query, form fields) as strings of format "integer".
ajv.addFormat("integer", /^-?\d+$/);

export const knownFormat = (format: string) => Object.hasOwn(ajv.formats, format);

/** Equality of JSON values, as ajv judges `enum`, `const` and `uniqueItems` (same library). */
export const deepEqual = (a: unknown, b: unknown): boolean => equal(a, b);

const regexCache = new Map<string, RegExp>();
/** A schema `pattern` as ECMA-262 with the `u` flag, as JSON Schema says. */
export function patternOf(source: string): RegExp {
  let regex = regexCache.get(source);
  if (!regex) {
    regex = new RegExp(source, "u");
    regexCache.set(source, regex);
  }
  return regex;
}

/** Length in Unicode code points, as JSON Schema counts it. */
export const codePoints = (value: string) => {
  let n = 0;
  for (const _ of value) n++;
  return n;
};

export function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

/** The node a local `$ref` (`#/components/schemas/X`) points at in `root`. */
function pointed(ref: string, root: unknown): JsonSchema {
  if (!ref.startsWith("#")) throw new Error(`Only local $ref are supported, not ${ref}`);
  let node: unknown = root;
  for (const part of ref.slice(1).split("/").slice(1)) {
    node = (node as Record<string, unknown> | undefined)?.[
      part.replaceAll("~1", "/").replaceAll("~0", "~")
    ];
  }
  if (!node || typeof node !== "object") throw new Error(`Unresolved $ref ${ref}`);
  return node as JsonSchema;
}

/** Follows a local `$ref` (and the `$ref` it lands on) to a schema with rules of its own. */
export function resolveRef(schema: JsonSchema, root: unknown): JsonSchema {
  const ref = schema.$ref;
  return typeof ref === "string" ? resolveRef(pointed(ref, root), root) : schema;
}

/** What ajv was given for one document: its `$ref` targets and its compiled schemas. */
interface Compiled {
  index: number;
  /** Local `$ref` → the id its target was added to ajv under. */
  targets: Map<string, string>;
  bySchema: WeakMap<object, ValidateFunction>;
  byJson: Map<string, ValidateFunction>;
}
const compiled = new WeakMap<object, Compiled>();
let documents = 0;
const newCompiled = (): Compiled => ({
  index: documents++,
  targets: new Map(),
  bySchema: new WeakMap(),
  byJson: new Map(),
});
/** Schemas that are their own root: their JSON is all they mean, and ajv reads their `$ref`s. */
const selfRooted = newCompiled();

/**
 * A copy of `node` whose local `$ref`s name ajv schemas. A schema is checked apart from the
 * document it sits in (an OpenAPI document is no schema: strict mode would refuse `paths`), so
 * each target is added to ajv once, under its own id, with its own `$ref`s made the same way.
 */
function absoluteRefs(node: unknown, root: object, into: Compiled): unknown {
  if (Array.isArray(node)) return node.map((n) => absoluteRefs(n, root, into));
  if (!node || typeof node !== "object") return node;
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => {
      if (key !== "$ref" || typeof value !== "string" || !value.startsWith("#")) {
        return [key, absoluteRefs(value, root, into)];
      }
      let id = into.targets.get(value);
      if (!id) {
        id = `https://fuzz.invalid/${into.index}/${into.targets.size}`;
        // Set first: a schema may refer to itself.
        into.targets.set(value, id);
        ajv.addSchema(absoluteRefs(pointed(value, root), root, into) as object, id);
      }
      return [key, id];
    }),
  );
}

/** Compiled once per schema: by the object, else by its JSON (unions merge into new objects). */
function validatorFor(schema: JsonSchema, root: object): ValidateFunction {
  const self = root === schema;
  let into = self ? selfRooted : compiled.get(root);
  if (!into) {
    into = newCompiled();
    compiled.set(root, into);
  }
  let check = into.bySchema.get(schema);
  if (check) return check;
  const json = JSON.stringify(schema);
  check = into.byJson.get(json);
  if (!check) {
    check = ajv.compile(self ? schema : (absoluteRefs(schema, root, into) as object));
    into.byJson.set(json, check);
  }
  into.bySchema.set(schema, check);
  return check;
}

const pointer = (path: string, key: unknown) =>
  `${path}/${String(key).replaceAll("~", "~0").replaceAll("/", "~1")}`;

function toSchemaError(error: ErrorObject): SchemaError {
  const { instancePath: path, keyword, params } = error;
  if (keyword === "required") {
    return { path: pointer(path, params.missingProperty), message: "is required" };
  }
  if (keyword === "additionalProperties") {
    return {
      path: pointer(path, params.additionalProperty),
      message: "is not a documented property",
    };
  }
  return { path, message: error.message ?? `breaks ${keyword}` };
}

/** Every way `value` breaks `schema` (empty when it matches). */
export function validate(
  schema: JsonSchema,
  value: unknown,
  root: unknown = schema,
): SchemaError[] {
  const check = validatorFor(schema, root as object);
  return check(value) ? [] : (check.errors ?? []).map(toSchemaError);
}
