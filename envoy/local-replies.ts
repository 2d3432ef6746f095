/**
 * A simulator of an HttpConnectionManager's `local_reply_config`: what body, content type and
 * headers Envoy sends when it answers a request itself with a given status. The tests use it to
 * hold every such reply to the services' problem+json shape without running Envoy.
 */
import { asArray, isObject, type JsonObject } from "./json-object.ts";

export interface LocalReply {
  /** Index of the mapper that matched, undefined when none did. */
  mapper: number | undefined;
  status: number;
  contentType: string | undefined;
  /** The JSON body, `%RESPONSE_CODE%` rendered as Envoy renders it: a number. */
  body: JsonObject | undefined;
  /** Headers the mapper adds, lower-cased names. */
  headers: Record<string, string>;
}

function compares(comparison: unknown, status: number): boolean {
  if (!isObject(comparison) || !isObject(comparison.value)) return false;
  const bound = Number(comparison.value.default_value);
  switch (comparison.op ?? "EQ") {
    case "EQ":
      return status === bound;
    case "GE":
      return status >= bound;
    case "LE":
      return status <= bound;
    default:
      return false;
  }
}

/** Whether an access-log filter passes a reply with this status; other filter kinds never do. */
function passes(filter: unknown, status: number): boolean {
  if (!isObject(filter)) return false;
  if (isObject(filter.status_code_filter)) {
    return compares(filter.status_code_filter.comparison, status);
  }
  if (isObject(filter.and_filter)) {
    return asArray(filter.and_filter.filters).every((f) => passes(f, status));
  }
  if (isObject(filter.or_filter)) {
    return asArray(filter.or_filter.filters).some((f) => passes(f, status));
  }
  return false;
}

function render(format: JsonObject, status: number): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(format)) {
    if (value === "%RESPONSE_CODE%") out[key] = status;
    else if (isObject(value)) out[key] = render(value, status);
    else out[key] = value;
  }
  return out;
}

/**
 * The reply Envoy makes with `status`: mappers are tried in order and the first match applies
 * (its status rewrite, headers and body format); with no match, the top-level `body_format`, if
 * any, else Envoy's own text body.
 */
export function localReplyFor(hcm: JsonObject, status: number): LocalReply {
  const config = isObject(hcm.local_reply_config) ? hcm.local_reply_config : {};
  const mappers = asArray(config.mappers);
  const index = mappers.findIndex((m) => isObject(m) && passes(m.filter, status));
  const mapper = index >= 0 && isObject(mappers[index]) ? mappers[index] : undefined;
  const headers: Record<string, string> = {};
  for (const option of asArray(mapper?.headers_to_add)) {
    const header = isObject(option) && isObject(option.header) ? option.header : undefined;
    if (header) headers[String(header.key).toLowerCase()] = String(header.value);
  }
  const finalStatus = mapper?.status_code === undefined ? status : Number(mapper.status_code);
  let format: JsonObject | undefined;
  if (isObject(mapper?.body_format_override)) format = mapper.body_format_override;
  else if (isObject(config.body_format)) format = config.body_format;
  const json = isObject(format?.json_format) ? format.json_format : undefined;
  return {
    mapper: mapper ? index : undefined,
    status: finalStatus,
    contentType: typeof format?.content_type === "string" ? format.content_type : undefined,
    body: json ? render(json, finalStatus) : undefined,
    headers,
  };
}
