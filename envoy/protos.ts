/**
 * Finding and loading Envoy's v3 protos for the validator (`validate.ts`): the include roots inside
 * `@grpc/grpc-js-xds`'s `deps/`, the well-known types protobufjs carries itself, the lookup of the
 * file that declares a type, and one shared protobufjs root that files are loaded into on demand
 * (only those a document needs: the Bootstrap closure and the files of its `@type`s).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import protobuf from "protobufjs";

const requireFromHere = createRequire(import.meta.url);
const XDS_DEPS = join(dirname(requireFromHere.resolve("@grpc/grpc-js-xds/package.json")), "deps");
const PROTOBUFJS_DIR = dirname(requireFromHere.resolve("protobufjs/package.json"));
/** Include roots, in the order protoc would search them. */
export const PROTO_ROOTS = [
  join(XDS_DEPS, "envoy-api"),
  join(XDS_DEPS, "xds"),
  join(XDS_DEPS, "googleapis"),
  join(XDS_DEPS, "protoc-gen-validate"),
  PROTOBUFJS_DIR,
];

/** Well-known types protobufjs carries itself (no file on disk needed). */
const WKT_FILES: Record<string, string> = {
  "google.protobuf.Any": "google/protobuf/any.proto",
  "google.protobuf.Duration": "google/protobuf/duration.proto",
  "google.protobuf.Timestamp": "google/protobuf/timestamp.proto",
  "google.protobuf.Empty": "google/protobuf/empty.proto",
  "google.protobuf.Struct": "google/protobuf/struct.proto",
  "google.protobuf.Value": "google/protobuf/struct.proto",
  "google.protobuf.ListValue": "google/protobuf/struct.proto",
  "google.protobuf.FieldMask": "google/protobuf/field_mask.proto",
};
export const WRAPPERS = [
  "DoubleValue",
  "FloatValue",
  "Int64Value",
  "UInt64Value",
  "Int32Value",
  "UInt32Value",
  "BoolValue",
  "StringValue",
  "BytesValue",
];
for (const w of WRAPPERS) WKT_FILES[`google.protobuf.${w}`] = "google/protobuf/wrappers.proto";

const BOOTSTRAP_FILE = "envoy/config/bootstrap/v3/bootstrap.proto";

let root: protobuf.Root | undefined;
const loadedFiles = new Set<string>();
const fileIndexCache = new Map<string, string | null>();

function newRoot(): protobuf.Root {
  const r = new protobuf.Root();
  r.resolvePath = (_origin, target) => {
    if (target.startsWith("google/protobuf/") && target in protobuf.common) return target;
    for (const dir of PROTO_ROOTS) {
      const candidate = join(dir, target);
      if (isFile(candidate)) return candidate;
    }
    return target; // protobufjs reports the missing file
  };
  return r;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function ensureFiles(files: string[]): protobuf.Root {
  root ??= newRoot();
  const missing = files.filter((f) => !loadedFiles.has(f));
  if (missing.length > 0) {
    try {
      root.loadSync(missing, { keepCase: true });
      root.resolveAll();
    } catch (error) {
      // A failed load can leave unresolvable types behind: rebuild from the files that loaded.
      root = newRoot();
      if (loadedFiles.size > 0) {
        root.loadSync([...loadedFiles], { keepCase: true });
        root.resolveAll();
      }
      throw error;
    }
    for (const f of missing) loadedFiles.add(f);
  }
  return root;
}

/**
 * Finds the .proto file (relative to an include root) that declares a fully-qualified type, using
 * Envoy's package ↔ directory convention: `envoy.extensions.filters.http.router.v3.Router` lives in
 * a file under `envoy/extensions/filters/http/router/v3/` that declares `message Router`.
 */
export function protoFileForType(typeName: string): string | undefined {
  const wkt = WKT_FILES[typeName];
  if (wkt) return wkt;
  const cached = fileIndexCache.get(typeName);
  if (cached !== undefined) return cached ?? undefined;
  let found: string | null = null;
  const parts = typeName.split(".");
  search: for (let i = parts.length - 1; i >= 1; i--) {
    const relDir = parts.slice(0, i).join("/");
    const topLevel = parts[i];
    const declaration = new RegExp(`^(?:message|enum)\\s+${topLevel}\\s*\\{`, "m");
    const pkg = new RegExp(`^package\\s+${parts.slice(0, i).join("\\.")}\\s*;`, "m");
    for (const base of PROTO_ROOTS) {
      const dir = join(base, relDir);
      if (!isDir(dir)) continue;
      for (const name of readdirSync(dir).sort()) {
        if (!name.endsWith(".proto")) continue;
        const text = readFileSync(join(dir, name), "utf8");
        if (pkg.test(text) && declaration.test(text)) {
          found = `${relDir}/${name}`;
          break search;
        }
      }
    }
  }
  fileIndexCache.set(typeName, found);
  return found ?? undefined;
}

/** Resolves a fully-qualified message type, loading its file on demand. */
export function lookupMessage(typeName: string): protobuf.Type | undefined {
  const r = ensureFiles([]);
  const existing = r.lookup(typeName);
  if (existing instanceof protobuf.Type) return existing;
  const file = protoFileForType(typeName);
  if (!file) return undefined;
  try {
    ensureFiles([file]);
  } catch {
    return undefined; // the file imports something not shipped (e.g. opencensus protos)
  }
  const loaded = r.lookup(typeName);
  return loaded instanceof protobuf.Type ? loaded : undefined;
}

/** Loads the files a document needs up front: the Bootstrap closure, `rootType`'s and its `@type`s'. */
export function loadProtosFor(config: unknown, rootType: string): void {
  const urls = new Set<string>();
  collectTypeUrls(config, urls);
  const files = new Set<string>([BOOTSTRAP_FILE]);
  const rootFile = protoFileForType(rootType);
  if (rootFile) files.add(rootFile);
  for (const name of urls) {
    const f = protoFileForType(name);
    if (f) files.add(f);
  }
  // Load the bootstrap closure first; then the typed_config files one by one so that a file with
  // unshipped imports only makes its own type unresolvable.
  ensureFiles([BOOTSTRAP_FILE]);
  for (const f of files) {
    try {
      ensureFiles([f]);
    } catch {
      // reported as "unresolvable type_url" when reached
    }
  }
}

/** Collects every `@type` / TypedStruct `type_url` in a document, so their files load up front. */
function collectTypeUrls(value: unknown, out: Set<string>): void {
  if (Array.isArray(value)) {
    for (const v of value) collectTypeUrls(v, out);
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if ((k === "@type" || k === "type_url" || k === "typeUrl") && typeof v === "string") {
        out.add(typeNameFromUrl(v));
      } else {
        collectTypeUrls(v, out);
      }
    }
  }
}

export function typeNameFromUrl(url: string): string {
  return url.slice(url.lastIndexOf("/") + 1);
}
