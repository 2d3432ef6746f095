/**
 * A hangout's (or the caller's) event stream, kept open: Server-Sent Events read with fetch,
 * since EventSource cannot send the bearer token. Resumes after the last event received
 * (Last-Event-ID) when the connection drops or the token expires; says when the page must reload
 * or when the stream has ended for good (left, removed, deleted).
 */
import { createParser } from "eventsource-parser";
import { currentToken, refresh } from "./session.ts";

export interface LiveChange {
  type: string;
  actorId: string | null;
  hangoutId: string;
  [resource: string]: unknown;
}

export interface LiveHandlers {
  /** A change, in order. */
  change(change: LiveChange): void;
  /** Too much was missed to replay: load everything again. */
  reload(): void;
  /** The stream will not come back: `left`, `removed` or `deleted` (or 404: not a member). */
  ended?(reason: string): void;
}

const RETRY_MS = { first: 1000, max: 15_000 };

/** Opens `path` (`/me/events` or `/hangouts/{id}/events`); call the result to close it. */
export function openLive(path: string, handlers: LiveHandlers): () => void {
  const stop = new AbortController();
  let lastEventId: string | undefined;
  let retryMs = RETRY_MS.first;

  const connect = async (): Promise<"again" | "done"> => {
    const token = currentToken();
    if (!token) return (await refresh()) ? "again" : "done";
    const response = await fetch(path, {
      headers: {
        accept: "text/event-stream",
        authorization: `Bearer ${token}`,
        ...(lastEventId ? { "last-event-id": lastEventId } : {}),
      },
      signal: stop.signal,
    });
    if (response.status === 401) return (await refresh()) ? "again" : "done";
    if (response.status === 404) {
      handlers.ended?.("not-found");
      return "done";
    }
    if (!response.ok || !response.body) return "again";
    let outcome: "again" | "done" = "again";
    const parser = createParser({
      onRetry: (ms) => {
        retryMs = ms;
      },
      onEvent: (event) => {
        if (event.id) lastEventId = event.id;
        if (event.event === "reload") {
          lastEventId = undefined;
          handlers.reload();
        } else if (event.event === "end") {
          const reason = (JSON.parse(event.data) as { reason?: string }).reason ?? "";
          if (reason !== "token-expired" && reason !== "shutdown") {
            outcome = "done";
            handlers.ended?.(reason);
          }
        } else {
          retryMs = RETRY_MS.first;
          handlers.change(JSON.parse(event.data) as LiveChange);
        }
      },
    });
    const decoder = new TextDecoder();
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      parser.feed(decoder.decode(chunk, { stream: true }));
    }
    return outcome;
  };

  void (async () => {
    while (!stop.signal.aborted) {
      const outcome = await connect().catch(() => "again" as const);
      if (outcome === "done" || stop.signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, retryMs));
      retryMs = Math.min(retryMs * 2, RETRY_MS.max);
    }
  })();
  return () => stop.abort();
}
