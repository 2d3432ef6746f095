import type { TSchema } from "@sinclair/typebox";
import { type TypeCheck, TypeCompiler } from "@sinclair/typebox/compiler";
import type { EventDefinition } from "./define.ts";
import { Envelope } from "./envelope.ts";
import { ensureFormats } from "./formats.ts";
import { reasonOf } from "./reasons.ts";
import { type Event, type EventType, eventTypes, typeProblem } from "./registry.ts";

export type Rejection = {
  ok: false;
  /** For metrics and routing: what kind of problem it was. */
  kind: "not-json" | "envelope" | "unknown-type" | "newer-version" | "data";
  /** For people reading the dead-letter queue: what is wrong, naming fields, never values. */
  reason: string;
};

export type ParseResult = { ok: true; event: Event } | Rejection;

const compiled = new Map<TSchema, TypeCheck<TSchema>>();

/** Schemas are compiled on first use and kept: there are few, and every message needs one. */
function checkerOf(schema: TSchema): TypeCheck<TSchema> {
  let check = compiled.get(schema);
  if (!check) {
    ensureFormats();
    check = TypeCompiler.Compile(schema);
    compiled.set(schema, check);
  }
  return check;
}

const reject = (kind: Rejection["kind"], reason: string): Rejection => ({
  ok: false,
  kind,
  reason,
});

/**
 * Reads one event as a consumer receives it: the message body (bytes or text) or an already
 * parsed value. Anything that is not an event of this contract, the type's current version
 * with data that matches its schema, comes back as a rejection with a reason for the
 * dead-letter queue. Never throws.
 */
export function parseEvent(raw: unknown): ParseResult {
  try {
    return parse(raw);
  } catch (error) {
    return reject("envelope", `could not be read: ${(error as Error).message}`);
  }
}

function parse(raw: unknown): ParseResult {
  let value = raw;
  if (typeof raw === "string" || raw instanceof Uint8Array) {
    const text = typeof raw === "string" ? raw : new TextDecoder().decode(raw);
    try {
      value = JSON.parse(text);
    } catch {
      return reject("not-json", "the body is not JSON");
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return reject("envelope", "an event must be a JSON object (a CloudEvents envelope)");
  }
  const type = (value as { type?: unknown }).type;
  // The type is judged first, so a newer version is reported as such even when its envelope
  // differs too.
  if (typeof type === "string") {
    const problem = typeProblem(type);
    if (problem) return reject(problem.kind, problem.reason);
  }
  const envelope = checkerOf(Envelope);
  if (!envelope.Check(value)) return reject("envelope", reasonOf(envelope, value));
  // A string type that passed typeProblem is one of ours.
  const definition: EventDefinition = eventTypes[type as EventType];
  const event = value as Envelope & { data: unknown };
  const source = `/${definition.producer}`;
  if (event.source !== source) {
    return reject("envelope", `/source must be "${source}" for ${definition.type}`);
  }
  const data = checkerOf(definition.schema);
  if (!data.Check(event.data)) {
    return reject("data", `${definition.type}: ${reasonOf(data, event.data, "/data")}`);
  }
  const subject = (event.data as Record<string, unknown>)[definition.subject];
  if (event.subject !== subject) {
    return reject("envelope", `/subject must equal /data/${definition.subject}`);
  }
  return { ok: true, event: value as Event };
}
