import { AppError, problemResponse } from "./errors.ts";
import { readAtMost } from "./read-at-most.ts";

/*
 * Limits checked before a request reaches the app, each answered with problem+json. The URL and
 * header limits sit below the HTTP parser's own (Bun's --max-http-header-size, raised to 64 KiB
 * where the services start), which answers a bare 431 with no body.
 */
export const MAX_URL_LENGTH = 8 * 1024;
/**
 * Bun's HTTP parser answers a bare 431 (no body) past its header limit (16 KiB by default). Every
 * place that starts a service passes this flag (service-process.ts, scripts/dev.ts, Dockerfile),
 * so the limits below answer first, with problem+json.
 */
export const PARSER_HEADER_LIMIT_FLAG = "--max-http-header-size=65536";
export const MAX_HEADERS_SIZE = 12 * 1024;
/** Bun's parser also refuses, with a bare 431, past about 200 header fields. */
export const MAX_HEADER_COUNT = 100;

/** A 414 or 431 problem when the URL or the headers are too large, else undefined. */
export function oversizedHead(request: Request, pathStart: number): Response | undefined {
  if (request.url.length - pathStart > MAX_URL_LENGTH) {
    return problemResponse(
      new AppError("uri_too_long", `The URL is longer than ${MAX_URL_LENGTH} characters`),
    );
  }
  let size = 0;
  let count = 0;
  for (const [name, value] of request.headers) {
    size += name.length + value.length + 4;
    count++;
  }
  if (size > MAX_HEADERS_SIZE || count > MAX_HEADER_COUNT) {
    return problemResponse(
      new AppError(
        "headers_too_large",
        `The request headers are over ${MAX_HEADERS_SIZE} bytes or ${MAX_HEADER_COUNT} fields`,
      ),
    );
  }
  return undefined;
}

/**
 * The request, or a 413 problem when its body is over the limit. A declared Content-Length is
 * checked without reading; a chunked body is measured as it is read and the request rebuilt.
 */
export async function withinBodyLimit(
  request: Request,
  limit: number,
): Promise<Request | Response> {
  const tooLarge = () =>
    problemResponse(new AppError("payload_too_large", `The body exceeds ${limit} bytes`));
  const declared = request.headers.get("content-length");
  if (declared !== null) return Number(declared) > limit ? tooLarge() : request;
  if (!request.body) return request;
  const body = await readAtMost(request.body, limit);
  return body ? new Request(request, { body }) : tooLarge();
}
