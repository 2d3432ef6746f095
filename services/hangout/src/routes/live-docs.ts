/*
 * The OpenAPI description of the event streams. They answer text/event-stream, which the schema
 * generator cannot describe from a response schema, so their responses are written out here.
 */

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
});

export const STREAM_DESCRIPTION = [
  "Server-Sent Events. Each change is an event with `id:` (its position: later changes have higher ones), `event:` (its type, such as `rsvp.changed`) and `data:` (JSON: `type`, `actorId` (null when no member acted, as for `memory.processed`), `hangoutId`, and the changed resource as its GET returns it — `hangout`, `member`, `activity` or `memory` — or its id for a removal: `userId`, `memoryId`).",
  "A comment line (`: ping`) comes every few seconds and `retry:` says how long to wait before reconnecting. Reconnect with `Last-Event-ID` (the last `id:` received) to get every change after it, in order, then live ones; an id older than the history kept gets an event `reload` (load the page again, then stream without Last-Event-ID).",
  "The stream ends with an event `end` whose `data.reason` says why: `token-expired` (reconnect with a fresh token), `shutdown` (reconnect), and for a hangout's stream `left`, `removed` or `deleted`. A client that stops reading is dropped once its unsent events pass a limit; it resumes with Last-Event-ID.",
].join("\n\n");

export const streamResponses = (what: string) => ({
  "200": {
    description: `The stream of ${what}`,
    content: { "text/event-stream": { schema: { type: "string" as const } } },
  },
  "401": problem("No valid access token"),
  "404": problem("No such hangout, or the caller is not a member of it"),
});
