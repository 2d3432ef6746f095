/** One Server-Sent Event as a client sees it (comments and `retry:` are kept apart). */
export interface ReceivedEvent {
  id?: string;
  event: string;
  data: string;
  /** performance.now() when its last line arrived. */
  at: number;
}

export interface SseClient {
  status: number;
  headers: Headers;
  /** Every event so far, in order. */
  events: ReceivedEvent[];
  /** Comment lines (heartbeats) received so far. */
  comments: number;
  retry?: number;
  /** Resolves when the body ended (the server closed it), with how it ended. */
  ended: Promise<"closed" | "reset">;
  /** The first event (received already or later) that matches, or a timeout error. */
  next(match: (event: ReceivedEvent) => boolean, timeoutMs?: number): Promise<ReceivedEvent>;
  /** The `data` of each event parsed as JSON. */
  json<T = Record<string, unknown>>(event: ReceivedEvent): T;
  close(): void;
}

/**
 * A reader of a `text/event-stream` response over `fetch` streaming, as a browser client reads
 * one: for tests and benches that watch what a stream sends.
 */
export async function openSse(
  url: string,
  headers: Record<string, string> = {},
): Promise<SseClient> {
  const abort = new AbortController();
  const response = await fetch(url, {
    headers: { accept: "text/event-stream", ...headers },
    signal: abort.signal,
  });
  const events: ReceivedEvent[] = [];
  const waiters = new Set<() => void>();
  const client: SseClient = {
    status: response.status,
    headers: response.headers,
    events,
    comments: 0,
    ended: Promise.resolve("closed"),
    async next(match, timeoutMs = 5000) {
      const deadline = performance.now() + timeoutMs;
      let from = 0;
      for (;;) {
        for (; from < events.length; from++) {
          const event = events[from] as ReceivedEvent;
          if (match(event)) return event;
        }
        const left = deadline - performance.now();
        if (left <= 0) {
          const seen = events.map((e) => `${e.id ?? "-"} ${e.event}`).join(", ");
          throw new Error(`no matching event within ${timeoutMs} ms; got: ${seen || "nothing"}`);
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, left);
          function done() {
            clearTimeout(timer);
            waiters.delete(done);
            resolve();
          }
          waiters.add(done);
        });
      }
    },
    json: (event) => JSON.parse(event.data),
    close: () => abort.abort(),
  };
  if (!response.body || !response.headers.get("content-type")?.startsWith("text/event-stream")) {
    return client;
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  client.ended = (async () => {
    let buffer = "";
    let current: Partial<ReceivedEvent> = {};
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return "closed" as const;
        buffer += value;
        let newline = buffer.indexOf("\n");
        while (newline >= 0) {
          const line = buffer.slice(0, newline).replace(/\r$/, "");
          buffer = buffer.slice(newline + 1);
          newline = buffer.indexOf("\n");
          if (line === "") {
            if (current.data !== undefined) {
              events.push({
                event: current.event ?? "message",
                data: current.data,
                at: performance.now(),
                ...(current.id === undefined ? {} : { id: current.id }),
              });
              for (const wake of [...waiters]) wake();
            }
            current = {};
            continue;
          }
          if (line.startsWith(":")) {
            client.comments++;
            continue;
          }
          const colon = line.indexOf(":");
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
          if (field === "data")
            current.data = current.data === undefined ? value : `${current.data}\n${value}`;
          else if (field === "id") current.id = value;
          else if (field === "event") current.event = value;
          else if (field === "retry") client.retry = Number(value);
        }
      }
    } catch {
      return "reset" as const;
    } finally {
      for (const wake of [...waiters]) wake();
    }
  })();
  return client;
}
