import { AppError, type FieldError, invalidFields } from "./errors.ts";

/**
 * Every request body is parsed here, before any schema sees it (Elysia's parse hook, see
 * http-pipeline.ts): JSON only, nested at most `MAX_DEPTH` levels, every string valid Unicode.
 * A deeply nested value made schema validation and its error reporting take time that grows
 * with the square of the depth, and overflowed the stack beyond a few thousand levels; a lone
 * UTF-16 surrogate was stored as U+FFFD without a word.
 */
export const MAX_DEPTH = 32;

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json$/i;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** JSON is UTF-8 (RFC 8259); a body labelled with another charset is refused, not misread. */
function isUtf8Charset(contentType: string | null): boolean {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? "")?.[1];
  return charset === undefined || /^utf-?8$/i.test(charset);
}

/** The media type without its parameters (`application/json; charset=utf-8` → `application/json`). */
export const mediaType = (contentType: string | null) =>
  (contentType ?? "").split(";", 1)[0]?.trim().toLowerCase() ?? "";

/**
 * The parsed body of a request. An empty body is `null` whatever its type, so routes that take
 * no body still accept a bare POST; any other body must be JSON.
 */
export async function parseJsonBody(request: Request): Promise<unknown> {
  const bytes = await request.bytes();
  if (bytes.byteLength === 0) return null;
  const contentType = request.headers.get("content-type");
  if (!JSON_TYPE.test(mediaType(contentType)) || !isUtf8Charset(contentType)) {
    throw new AppError(
      "unsupported_media_type",
      "The body must be JSON in UTF-8 (application/json)",
    );
  }
  const text = decodeUtf8(bytes);
  if (nestsDeeperThan(text, MAX_DEPTH)) {
    throw new AppError(
      "bad_request",
      `The body nests objects or arrays more than ${MAX_DEPTH} levels deep`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AppError("bad_request", "The body is not valid JSON");
  }
  if (anyRefused(value)) throw invalidFields(refusedParts(value, ""));
  return value;
}

/**
 * Whether JSON text opens more than `max` objects or arrays inside each other. One pass over the
 * characters that stops at the first level too deep, so its cost is bounded by the body limit
 * however the text nests, and nothing recursive ever sees the value.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > max) return true;
    } else if (c === 93 /* ] */ || c === 125 /* } */) depth--;
  }
  return false;
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    // Decoding leniently would store U+FFFD in place of the bad bytes without a word.
    throw new AppError("bad_request", "The body is not valid UTF-8");
  }
}

export const FORM_TYPE = "application/x-www-form-urlencoded";

/**
 * The body of a request to a route that declares, with Elysia's own per-route option
 * `parse: "urlencoded"`, that it takes an HTML form (a mail client's RFC 8058 one-click
 * unsubscribe sends one): an object of strings, parsed as strictly as JSON is. Such a route takes
 * no other type; an empty body is `null` as everywhere.
 */
export async function parseFormBody(request: Request): Promise<unknown> {
  const bytes = await request.bytes();
  if (bytes.byteLength === 0) return null;
  const contentType = request.headers.get("content-type");
  if (mediaType(contentType) !== FORM_TYPE || !isUtf8Charset(contentType)) {
    throw new AppError("unsupported_media_type", `The body must be a form in UTF-8 (${FORM_TYPE})`);
  }
  const fields = new Map<string, string>();
  const refused: FieldError[] = [];
  for (const pair of decodeUtf8(bytes).split("&")) {
    if (pair === "") continue;
    const equals = pair.indexOf("=");
    const [name, value] = [
      decodeFormPart(equals < 0 ? pair : pair.slice(0, equals)),
      decodeFormPart(equals < 0 ? "" : pair.slice(equals + 1)),
    ];
    const at = `/${escapePointer(name)}`;
    // One value per field: a repeated one would have to be dropped or turned into a list.
    if (fields.has(name)) refused.push({ path: at, message: "is given twice" });
    else fields.set(name, value);
  }
  // fromEntries defines own properties: a `__proto__` field stays a field, which is refused.
  const value = Object.fromEntries(fields);
  if (anyRefused(value)) refused.push(...refusedParts(value, ""));
  if (refused.length > 0) throw invalidFields(refused);
  return value;
}

/** A form name or value: `+` is a space, and percent escapes must spell UTF-8. */
function decodeFormPart(part: string): string {
  try {
    return decodeURIComponent(part.replaceAll("+", " "));
  } catch {
    throw new AppError("bad_request", "The body is not a valid form (a bad percent escape)");
  }
}

/** What the body parser reads of a route (Elysia's route list). */
export interface ParsedRoute {
  method: string;
  path: string;
  hooks?: { parse?: readonly { fn: unknown }[] };
}

const declaresForm = (route: ParsedRoute) =>
  (route.hooks?.parse ?? []).some((p) => p.fn === "urlencoded" || p.fn === FORM_TYPE);

/**
 * The platform's one body parser (Elysia's global parse hook): JSON, except on the routes that
 * declare `parse: "urlencoded"`, which take a form instead. The routes are read on first use,
 * when they are all registered.
 */
export function bodyParser(routes: () => readonly ParsedRoute[]) {
  let formRoutes: Set<string> | undefined;
  return (request: Request, route: string | undefined): Promise<unknown> => {
    formRoutes ??= new Set(
      routes()
        .filter(declaresForm)
        .map((r) => `${r.method} ${r.path}`),
    );
    return formRoutes.size > 0 && formRoutes.has(`${request.method} ${route}`)
      ? parseFormBody(request)
      : parseJsonBody(request);
  };
}

/**
 * Whether `refusedParts` would find anything: the same walk without the JSON pointers, which
 * only a refusal needs. Nearly every body is fine, and building a pointer for each of its keys
 * cost every write request more than the check itself.
 */
export function anyRefused(value: unknown): boolean {
  if (typeof value === "string") return !value.isWellFormed();
  if (typeof value !== "object" || value === null) return false;
  if (Array.isArray(value)) return value.some(anyRefused);
  for (const key of Object.keys(value)) {
    if (key === "__proto__" || !key.isWellFormed()) return true;
    if (anyRefused((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

const ILL_FORMED = "must be valid Unicode text (it holds an unpaired UTF-16 surrogate)";

/**
 * Strings (values or keys) that are not well-formed UTF-16, and `__proto__` keys: no schema
 * declares one, and the framework's type coercion copies it into the object's prototype, where
 * the schema's unknown-field check no longer sees it.
 */
export function refusedParts(value: unknown, path: string): FieldError[] {
  if (typeof value === "string")
    return value.isWellFormed() ? [] : [{ path: path || "/", message: ILL_FORMED }];
  if (typeof value !== "object" || value === null) return [];
  const found: FieldError[] = [];
  for (const [key, item] of Object.entries(value)) {
    const at = `${path}/${escapePointer(key.toWellFormed())}`;
    if (!key.isWellFormed()) found.push({ path: at, message: ILL_FORMED });
    else if (key === "__proto__") found.push({ path: at, message: "is not a known field" });
    else found.push(...refusedParts(item, at));
  }
  return found;
}

const escapePointer = (key: string) => key.replaceAll("~", "~0").replaceAll("/", "~1");
