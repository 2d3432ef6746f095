import { currentRequest } from "./request-context.ts";

/**
 * The caller's address. Behind a trusted proxy (Envoy appends the peer it saw to
 * X-Forwarded-For) it is the last hop of that header; otherwise the socket peer, since a client
 * can write anything into X-Forwarded-For.
 */
export function clientAddress(headers: Headers, trustProxy: boolean): string | undefined {
  if (trustProxy) {
    const hops = headers.get("x-forwarded-for")?.split(",");
    const last = hops?.[hops.length - 1]?.trim();
    if (last) return last;
  }
  return currentRequest()?.clientAddress();
}
