/**
 * The walk of a parsed document against a protobufjs message type, done by hand because protobufjs
 * alone is lenient (it drops unknown fields silently). It collects errors and warnings: unknown
 * fields (with a "did you mean"), a field under both its names, oneof conflicts and required
 * oneofs, enums, well-known types, `Any` and TypedStruct resolved through their type URLs, and
 * deprecated fields and enum values (warnings). Scalar forms are in `proto-json.ts`, the
 * protoc-gen-validate rules in `pgv-rules.ts`.
 */
import protobuf from "protobufjs";
import {
  checkAbsentFields,
  checkEnumRules,
  checkMapRules,
  checkMessageRules,
  checkRepeatedRules,
  checkScalarRules,
  fieldRules,
  type Rules,
} from "./pgv-rules.ts";
import {
  checkScalar,
  childPath,
  describe,
  isPlainObject,
  type Json,
  parseDuration,
  SPECIAL_JSON_TYPES,
  TIMESTAMP_RE,
} from "./proto-json.ts";
import { lookupMessage, protoFileForType, typeNameFromUrl, WRAPPERS } from "./protos.ts";
import { suggest } from "./suggest.ts";

export interface Issue {
  /** JSON-style path into the document, e.g. `static_resources.clusters[0].lb_policy`. */
  path: string;
  message: string;
}

const TYPED_STRUCTS = new Set(["xds.type.v3.TypedStruct", "udpa.type.v1.TypedStruct"]);

const camel = (snake: string) => snake.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function fullName(t: protobuf.ReflectionObject): string {
  return t.fullName.replace(/^\./, "");
}

function isSyntheticOneof(oneof: protobuf.OneOf): boolean {
  return oneof.fieldsArray.length === 1 && oneof.name === `_${oneof.fieldsArray[0]!.name}`;
}

export class Walker {
  errors: Issue[] = [];
  warnings: Issue[] = [];

  // Arrow functions, so the rule checks in other modules can report without `this`.
  error = (path: string, message: string): void => {
    this.errors.push({ path, message });
  };

  warn = (path: string, message: string): void => {
    this.warnings.push({ path, message });
  };

  message(type: protobuf.Type, value: Json | undefined, path: string): void {
    if (value === null || value === undefined) return;
    const name = fullName(type);
    if (this.wellKnown(name, type, value, path)) return;
    if (!isPlainObject(value)) {
      this.error(path, `expected an object for ${name}, got ${describe(value)}`);
      return;
    }
    const byName = new Map<string, protobuf.Field>();
    for (const f of type.fieldsArray) {
      byName.set(f.name, f);
      const json = (f.options?.json_name as string | undefined) ?? camel(f.name);
      if (!byName.has(json)) byName.set(json, f);
    }
    const present = new Map<protobuf.Field, string>();
    for (const [key, v] of Object.entries(value)) {
      const p = childPath(path, key);
      const field = byName.get(key);
      if (!field) {
        const candidates = type.fieldsArray.map((f) => f.name);
        const hint = suggest(key, [...candidates, ...candidates.map(camel)]);
        this.error(
          p,
          `unknown field "${key}" in ${name}${hint ? ` (did you mean "${hint}"?)` : ""}`,
        );
        continue;
      }
      const earlier = present.get(field);
      if (earlier !== undefined) {
        this.error(p, `field "${field.name}" is set twice (as "${earlier}" and "${key}")`);
        continue;
      }
      present.set(field, key);
      if (field.options?.deprecated === true) {
        const since = field.options["(envoy.annotations.deprecated_at_minor_version)"];
        this.warn(p, `field "${field.name}" is deprecated${since ? ` (since ${since})` : ""}`);
      }
      this.field(field, v, p);
    }

    // oneofs
    const setFields = new Set(
      [...present.entries()].filter(([f]) => value[present.get(f)!] !== null).map(([f]) => f),
    );
    for (const oneof of type.oneofsArray) {
      if (isSyntheticOneof(oneof)) continue;
      const members = oneof.fieldsArray.filter((f) => setFields.has(f));
      if (members.length > 1) {
        this.error(
          path,
          `oneof "${oneof.name}" in ${name} has several members set: ${members.map((f) => f.name).join(", ")}`,
        );
      } else if (members.length === 0 && oneof.options?.["(validate.required)"] === true) {
        this.error(
          path,
          `oneof "${oneof.name}" in ${name} is required: set one of ${oneof.fieldsArray.map((f) => f.name).join(", ")}`,
        );
      }
    }

    checkAbsentFields(type, name, setFields, path, this.error);
  }

  field(field: protobuf.Field, value: Json, path: string): void {
    const rules = fieldRules(field);
    if (value === null) return;
    if (field instanceof protobuf.MapField) {
      if (!isPlainObject(value)) {
        this.error(
          path,
          `expected a map (object) for field "${field.name}", got ${describe(value)}`,
        );
        return;
      }
      checkMapRules(rules, Object.keys(value).length, path, this.error);
      for (const [k, v] of Object.entries(value)) {
        const p = childPath(path, k);
        if (field.keyType !== "string") checkScalar(field.keyType, k, p, true, this.error);
        this.single(field, v, p, undefined);
      }
      return;
    }
    if (field.repeated) {
      if (!Array.isArray(value)) {
        this.error(
          path,
          `expected a list for repeated field "${field.name}", got ${describe(value)}`,
        );
        return;
      }
      const repeatedRules = isPlainObject(rules?.repeated) ? (rules.repeated as Rules) : undefined;
      checkRepeatedRules(repeatedRules, value, path, this.error);
      const itemRules = isPlainObject(repeatedRules?.items)
        ? (repeatedRules.items as Rules)
        : undefined;
      value.forEach((v, i) => {
        this.single(field, v, `${path}[${i}]`, itemRules);
      });
      return;
    }
    this.single(field, value, path, rules);
  }

  single(field: protobuf.Field, value: Json, path: string, rules: Rules | undefined): void {
    if (value === null) return;
    const t = field.resolvedType;
    if (t instanceof protobuf.Type) {
      this.message(t, value, path);
      checkMessageRules(fullName(t), value, rules, path, this.error);
    } else if (t instanceof protobuf.Enum) {
      this.enumValue(t, value, path, rules);
    } else if (checkScalar(field.type, value, path, false, this.error) && rules) {
      checkScalarRules(field.type, value, rules, path, this.error);
    }
  }

  enumValue(e: protobuf.Enum, value: Json, path: string, rules: Rules | undefined): void {
    let name: string | undefined;
    if (typeof value === "string") {
      if (!(value in e.values)) {
        const hint = suggest(value, Object.keys(e.values));
        this.error(
          path,
          `invalid value "${value}" for enum ${fullName(e)}${hint ? ` (did you mean "${hint}"?)` : ""}; allowed: ${Object.keys(e.values).join(", ")}`,
        );
        return;
      }
      name = value;
    } else if (typeof value === "number" && Number.isInteger(value)) {
      name = e.valuesById[value];
      if (name === undefined) {
        this.error(path, `invalid number ${value} for enum ${fullName(e)}`);
        return;
      }
    } else {
      this.error(path, `expected an enum name of ${fullName(e)}, got ${describe(value)}`);
      return;
    }
    const valueOptions = (
      e as unknown as { valuesOptions?: Record<string, Record<string, unknown>> }
    ).valuesOptions?.[name];
    if (valueOptions?.deprecated === true) this.warn(path, `enum value ${name} is deprecated`);
    checkEnumRules(rules, name, e.values[name]!, path, this.error);
  }

  /** Handles well-known types; returns true when `typeName` was one of them. */
  wellKnown(typeName: string, type: protobuf.Type, value: Json, path: string): boolean {
    switch (typeName) {
      case "google.protobuf.Any":
        this.any(value, path);
        return true;
      case "google.protobuf.Duration":
        if (typeof value !== "string" || parseDuration(value) === undefined) {
          this.error(path, `expected a duration like "1.5s", got ${describe(value)}`);
        }
        return true;
      case "google.protobuf.Timestamp":
        if (typeof value !== "string" || !TIMESTAMP_RE.test(value)) {
          this.error(path, `expected an RFC 3339 timestamp, got ${describe(value)}`);
        }
        return true;
      case "google.protobuf.Struct":
        if (!isPlainObject(value)) this.error(path, `expected an object, got ${describe(value)}`);
        return true;
      case "google.protobuf.Value":
        return true;
      case "google.protobuf.ListValue":
        if (!Array.isArray(value)) this.error(path, `expected a list, got ${describe(value)}`);
        return true;
      case "google.protobuf.FieldMask":
        if (typeof value !== "string") this.error(path, `expected a field mask string`);
        return true;
      default:
        if (WRAPPERS.includes(typeName.replace(/^google\.protobuf\./, "")) && type.fields.value) {
          if (isPlainObject(value)) {
            this.error(path, `${typeName} takes the bare value in YAML/JSON, not an object`);
          } else {
            checkScalar(type.fields.value.type, value, path, false, this.error);
          }
          return true;
        }
        return false;
    }
  }

  any(value: Json, path: string): void {
    if (!isPlainObject(value)) {
      this.error(
        path,
        `expected an object with "@type" (google.protobuf.Any), got ${describe(value)}`,
      );
      return;
    }
    const url = value["@type"];
    if (typeof url !== "string" || !url.includes("/")) {
      this.error(
        childPath(path, "@type"),
        `google.protobuf.Any needs "@type": "type.googleapis.com/<type>"`,
      );
      return;
    }
    const typeName = typeNameFromUrl(url);
    const type = lookupMessage(typeName);
    if (!type) {
      const file = protoFileForType(typeName);
      this.error(
        childPath(path, "@type"),
        file
          ? `unresolvable type_url ${url} (${file} imports protos not shipped with @grpc/grpc-js-xds)`
          : `unresolvable type_url ${url}`,
      );
      return;
    }
    if (SPECIAL_JSON_TYPES.has(typeName)) {
      const extra = Object.keys(value).filter((k) => k !== "@type" && k !== "value");
      for (const k of extra)
        this.error(childPath(path, k), `unknown field "${k}" in Any(${typeName})`);
      this.message(type, value.value ?? null, childPath(path, "value"));
      return;
    }
    const { "@type": _ignored, ...rest } = value;
    this.message(type, rest, path);
    if (TYPED_STRUCTS.has(typeName)) {
      const inner = (rest.type_url ?? rest.typeUrl) as Json | undefined;
      if (typeof inner === "string") {
        const innerType = lookupMessage(typeNameFromUrl(inner));
        if (!innerType) this.error(childPath(path, "type_url"), `unresolvable type_url ${inner}`);
        else this.message(innerType, (rest.value ?? {}) as Json, childPath(path, "value"));
      }
    }
  }
}
