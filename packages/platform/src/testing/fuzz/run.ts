import fc from "fast-check";
import {
  type Answer,
  checkAnswer,
  type Finding,
  type Normalizations,
  readAnswer,
} from "./check.ts";
import { collectionOf, type OpenApiDocument, type Operation, operationsOf } from "./openapi.ts";
import { type ReadBack, storedFindings } from "./read-back.ts";
import {
  Coverage,
  describe,
  type Failure,
  type FailureClass,
  mutationKind,
  summary,
} from "./report.ts";
import { FRESH, type FuzzCase, type RequestSetup, requestsFor, toRequest } from "./requests.ts";

export interface FuzzTarget {
  /** The service's name, printed with each operation. */
  service: string;
  baseUrl: string;
  document: OpenApiDocument;
  /** Principal name → its `Authorization` header (undefined: none). */
  principals: Record<string, string | undefined>;
  /** Known ids by resource, grown by what the fuzzer creates. */
  pools: Record<string, string[]>;
  hint?: RequestSetup["hint"];
  headers?: RequestSetup["headers"];
  /** Learns from a 2xx JSON answer (tokens, ids under other names). */
  learn?(
    operation: Operation,
    c: FuzzCase,
    body: unknown,
    remember: (pool: string, value: string) => void,
  ): void;
  /** Where writes read back when the document's paths do not say (see `read-back.ts`). */
  readBack?: Record<string, ReadBack>;
  /** Promises of the service its document cannot state, checked on every answer. */
  rules?(operation: Operation, c: FuzzCase, answer: Answer): string[];
  /** Stored normalisations the service documents, by field name. */
  normalizations?: Normalizations;
  bodyLimit?: number;
}

export interface FuzzOptions {
  runs: number;
  seed: number;
  /** Keep going after a failure and report every class of failure (no shrinking). */
  all?: boolean;
  /** Requests the shrinker may still send after the first failure. */
  shrinkBudget?: number;
  timeoutMs?: number;
}

/** Options from `FUZZ_RUNS`, `FUZZ_SEED`, `FUZZ_ALL`, with this test's defaults. */
export function fuzzOptions(defaults: { runs: number; seed: number }): FuzzOptions {
  const int = (name: string, fallback: number) => {
    const raw = process.env[name];
    if (raw === undefined || raw === "") return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value)) throw new Error(`${name} must be an integer, not ${raw}`);
    return value;
  };
  return {
    runs: int("FUZZ_RUNS", defaults.runs),
    seed: int("FUZZ_SEED", defaults.seed),
    all: process.env.FUZZ_ALL === "1",
  };
}

const LEARNED = 20;

const BUILT_IN_PRINCIPALS: Record<string, string | undefined> = {
  anonymous: undefined,
  "malformed token": "Bearer not.a.jwt",
  "basic scheme": "Basic dXNlcjpwYXNzd29yZA==",
};

interface Target extends FuzzTarget {
  operations: Operation[];
}

export interface FuzzResult {
  /** Empty when every request kept every promise. */
  message: string;
  classes: FailureClass[];
  requests: number;
  /** Writes whose stored values were compared with a read back. */
  readBacks: number;
  /** Documented operations no request reached (a run too short, or an arbitrary that fails). */
  untried: string[];
  /** How many answers of each status each operation got, valid and broken requests apart. */
  coverage: string;
}

/**
 * Sends `runs` generated requests across every operation of the targets and checks each answer
 * against the document. Returns a report; `message` is empty when nothing failed.
 */
export async function fuzz(targets: FuzzTarget[], options: FuzzOptions): Promise<FuzzResult> {
  const all: Target[] = targets.map((t) => ({ ...t, operations: operationsOf(t.document) }));
  const arbitraries = all.flatMap((target) => {
    const methods = new Map<string, Set<string>>();
    for (const o of target.operations) {
      methods.set(o.path, new Set([...(methods.get(o.path) ?? []), o.method]));
    }
    const principals = { ...BUILT_IN_PRINCIPALS, ...target.principals };
    const setup: RequestSetup = {
      // The service's own principals reach past the token check; the built-in ones cannot.
      principals: Object.keys(principals).map((name): [string, number] => [
        name,
        name in target.principals ? 3 : 1,
      ]),
      pools: target.pools,
      hint: target.hint,
      headers: target.headers,
      bodyLimit: target.bodyLimit ?? 1024 * 1024,
      methods,
    };
    return target.operations.map((o) => ({
      arbitrary: requestsFor(o, setup).map((c) => ({
        ...c,
        operation: `${target.service} ${c.operation}`,
      })),
      weight: richness(o),
    }));
  });
  // What the fuzzer learns is kept to the newest few, so arranged resources stay likely picks.
  const seeded = new Map(
    all.flatMap((t) => Object.entries(t.pools).map(([k, v]) => [`${t.service} ${k}`, v.length])),
  );
  const remember = (target: Target, pool: string, value: string) => {
    target.pools[pool] ??= [];
    const values = target.pools[pool];
    values.push(value);
    const keep = seeded.get(`${target.service} ${pool}`) ?? 0;
    if (values.length > keep + LEARNED) values.splice(keep, 1);
  };
  const classes = new Map<string, FailureClass>();
  const coverage = new Coverage();
  const usedKeys = new Set<string>();
  let sent = 0;
  let readBacks = 0;
  let fresh = 0;
  let failedOnce = false;
  let shrinkLeft = options.shrinkBudget ?? 300;

  const find = (c: FuzzCase) => {
    const [service, ...rest] = c.operation.split(" ");
    const target = all.find((t) => t.service === service)!;
    const key = rest.join(" ");
    return { target, operation: target.operations.find((o) => o.key === key)! };
  };

  const send = async (target: Target, c: FuzzCase, operation: Operation) => {
    const headers = { ...c.headers };
    let replay = false;
    for (const [name, value] of Object.entries(headers)) {
      if (value === FRESH) headers[name] = `fuzz-${options.seed}-${++fresh}`;
      if (name === "idempotency-key") {
        const scoped = `${c.as} ${headers[name]}`;
        replay = usedKeys.has(scoped);
        usedKeys.add(scoped);
      }
    }
    const principals = { ...BUILT_IN_PRINCIPALS, ...target.principals };
    const { url, init } = toRequest({ ...c, headers }, operation, target.baseUrl, principals[c.as]);
    sent++;
    const response = await fetch(url, {
      ...init,
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
    return { answer: await readAnswer(response), replay };
  };

  const execute = async (c: FuzzCase): Promise<Failure | undefined> => {
    const { target, operation } = find(c);
    let answer: Answer | undefined;
    const findings: Finding[] = [];
    try {
      const result = await send(target, c, operation);
      answer = result.answer;
      coverage.count(c, answer.status);
      if (c.method !== operation.method) {
        // A method the path does not serve: the document lists no operation for it at all.
        if (answer.status !== 405) {
          findings.push({ kind: "wrong method", detail: `answered ${answer.status}, not 405` });
        }
      } else {
        findings.push(...checkAnswer(operation, answer));
        for (const detail of target.rules?.(operation, c, answer) ?? []) {
          findings.push({ kind: "service rule", detail });
        }
        if (answer.status >= 200 && answer.status < 300 && answer.json !== undefined) {
          learn(target, operation, c, answer.json);
          if (!result.replay) {
            const context = {
              ...target,
              send: (x: FuzzCase, o: Operation) => send(target, x, o).then((r) => r.answer),
            };
            const checked = await storedFindings(context, operation, c, answer.json);
            if (checked.readBack) readBacks++;
            findings.push(...checked.findings);
          }
        }
      }
    } catch (error) {
      findings.push({ kind: "no answer", detail: String(error) });
    }
    if (findings.length === 0) return undefined;
    return { case: c, answer, findings };
  };

  const property = fc.asyncProperty(fc.oneof(...arbitraries), async (c) => {
    if (failedOnce && !options.all && shrinkLeft-- <= 0) return;
    const failure = await execute(c);
    if (!failure) return;
    for (const finding of failure.findings) {
      const key = `${c.operation} | ${finding.kind} | ${failure.answer?.status ?? "-"} | ${mutationKind(c.mutation)}`;
      const known = classes.get(key);
      if (!known) classes.set(key, { key, count: 1, example: failure, finding });
      else known.count++;
    }
    if (options.all) return;
    failedOnce = true;
    throw new Error(describe(failure));
  });

  const details = await fc.check(property, { numRuns: options.runs, seed: options.seed });
  const untried = all.flatMap((t) =>
    t.operations.map((o) => `${t.service} ${o.key}`).filter((key) => !coverage.has(key)),
  );
  const failed = details.failed || classes.size > 0;
  if (!failed)
    return {
      message: "",
      classes: [],
      requests: sent,
      readBacks,
      untried,
      coverage: String(coverage),
    };
  const lines = [`Fuzzing failed (seed ${options.seed}, ${sent} requests).`];
  lines.push(
    `Replay: FUZZ_SEED=${options.seed} FUZZ_RUNS=${options.runs}; every class: FUZZ_ALL=1.`,
  );
  if (details.failed && details.counterexample) {
    lines.push(`Smallest counterexample after ${details.numShrinks} shrinks:`);
    lines.push(
      details.errorInstance instanceof Error
        ? details.errorInstance.message
        : String(details.errorInstance),
    );
  }
  // Without FUZZ_ALL the classes met while shrinking are listed only when there are several.
  if (options.all || classes.size > 1) lines.push(summary([...classes.values()]));
  return {
    message: lines.join("\n"),
    classes: [...classes.values()],
    requests: sent,
    readBacks,
    untried,
    coverage: String(coverage),
  };

  function learn(target: Target, operation: Operation, c: FuzzCase, body: unknown) {
    const record = body as Record<string, unknown>;
    if (operation.method === "POST" && typeof record?.id === "string") {
      remember(target, collectionOf(operation.path), record.id);
    }
    if (typeof record?.nextCursor === "string") remember(target, "cursor", record.nextCursor);
    target.learn?.(operation, c, body, (pool, value) => remember(target, pool, value));
  }
}

/** Operations with more to vary get more requests: a body most, then each parameter. */
const richness = (o: Operation) =>
  1 + (o.body ? 3 : 0) + Math.min(2, o.parameters.filter((p) => p.in !== "cookie").length);
