import type { Static, TObject } from "@sinclair/typebox";
import { TYPE_PREFIX } from "./envelope.ts";

export type Producer = "hangout" | "auth" | "file";

/** The kinds of entity events are about; events are ordered per aggregate. */
export type Aggregate = "hangout" | "user" | "file";

/** The string fields of a data schema: one of them is the event's subject. */
type StringKeys<D extends TObject> = {
  [K in keyof Static<D>]: Static<D>[K] extends string ? K : never;
}[keyof Static<D>] &
  string;

export interface EventDefinition<
  Type extends string = string,
  Data extends TObject = TObject,
  Subject extends string = string,
> {
  /** The CloudEvents `type`: `dev.hangout-planner.<name>.v<version>`. */
  type: Type;
  name: string;
  version: number;
  /** When a consumer is told of it: what happened, and what the data says. */
  description: string;
  /** The service that emits it; the envelope's `source` is `/<producer>`. */
  producer: Producer;
  /** The kind of entity the subject is; events are ordered per aggregate. */
  aggregate: Aggregate;
  /** The field of `data` the envelope's `subject` repeats. */
  subject: Subject;
  schema: Data;
  /** A valid `data`, published in the schema's `examples` and checked by the tests. */
  example: Static<Data>;
}

/**
 * One event type of the contract. A released version never changes shape: a change to its data
 * (a new field included) is a new version, defined beside the old one.
 */
export function defineEvent<
  const Name extends string,
  const Version extends number,
  Data extends TObject,
  Subject extends StringKeys<Data>,
>(spec: {
  name: Name;
  version: Version;
  description: string;
  producer: Producer;
  aggregate: Aggregate;
  subject: Subject;
  schema: Data;
  example: Static<Data>;
}): EventDefinition<`dev.hangout-planner.${Name}.v${Version}`, Data, Subject> {
  return { ...spec, type: `${TYPE_PREFIX}${spec.name}.v${spec.version}` as never };
}
