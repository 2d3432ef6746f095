import type { Answer, Finding } from "./check.ts";
import { toJsonText } from "./payloads.ts";
import type { FuzzCase } from "./requests.ts";

/** One request that broke a promise, and how. */
export interface Failure {
  case: FuzzCase;
  answer?: Answer;
  findings: Finding[];
}

/** Failures with one cause: same operation, kind of finding, status and kind of input. */
export interface FailureClass {
  key: string;
  count: number;
  finding: Finding;
  /** The first request of the class (the smallest, once shrunk, is in the message). */
  example: Failure;
}

const LIMIT = 300;

/** Tokens out of printed bodies: fields named like `accessToken`, and anything shaped as a JWT. */
export const redact = (text: string) =>
  text
    .replace(/(\\?"\w*[Tt]oken\\?"\s*:\s*\\?")[^"\\]*/g, "$1<redacted>")
    .replace(/eyJ[\w-]+\.[\w-]+\.[\w-]+/g, "<jwt>");

/** Long strings cut, with their length, so a near-limit body prints as one line. */
export function clip(text: string, limit = LIMIT): string {
  const escaped = JSON.stringify(text).slice(1, -1);
  return escaped.length <= limit ? escaped : `${escaped.slice(0, limit)}…(${text.length} chars)`;
}

function payloadText(c: FuzzCase): string {
  const p = c.payload;
  if (!p) return "(none)";
  const type =
    p.contentType ?? (p.form ? (p.multipart ? "multipart/form-data" : "") : "(no content-type)");
  if (p.form) return `${type} ${clip(redact(new URLSearchParams(p.form).toString()))}`;
  const text = p.bytes ? new TextDecoder().decode(new Uint8Array(p.bytes)) : p.text;
  return `${type}${p.bytes ? " bytes" : ""} ${clip(redact(text ?? toJsonText(p.value) ?? ""))}`;
}

/** A failure as people read it: the request (tokens by principal name), the answer, what broke. */
export function describe(failure: Failure): string {
  const c = failure.case;
  const [service, , template] = c.operation.split(" ");
  const path = template?.replace(/\{([^}]+)\}/g, (_, n: string) => c.path[n] ?? "") ?? "";
  const query = c.query.map(([k, v]) => `${k}=${v}`).join("&");
  const headers = Object.entries(c.headers).map(([k, v]) => `${k}: ${clip(v, 80)}`);
  const answer = failure.answer;
  return [
    `  ${service}: ${c.method} ${clip(path, 200)}${query ? `?${clip(query, 200)}` : ""}  (${c.operation}, ${c.mutation})`,
    `    as: ${c.as}${headers.length ? `; headers: ${headers.join(", ")}` : ""}`,
    `    body: ${payloadText(c)}`,
    answer
      ? `    answer: ${answer.status} ${answer.contentType ?? ""} ${clip(redact(answer.text), 400)}`
      : "    answer: none",
    ...failure.findings.map((f) => `    ✗ ${f.kind}: ${f.detail}`),
  ].join("\n");
}

/** Every class of failure seen, most frequent first, each with one example. */
export function summary(classes: FailureClass[]): string {
  if (classes.length === 0) return "";
  const sorted = [...classes].sort((a, b) => b.count - a.count);
  const lines = [`${classes.length} distinct failure classes (operation | kind | status | input):`];
  for (const c of sorted) {
    lines.push(`- ${c.key}  ×${c.count}`);
    lines.push(`    ✗ ${c.finding.detail}`);
    lines.push(describe({ ...c.example, findings: [] }).replace(/^/gm, "  "));
  }
  return lines.join("\n");
}

/** `title: too long` → `too long`, so one cause on several fields is one class. */
export const mutationKind = (mutation: string) => mutation.replace(/^[^:]*: /, "");

/** How many answers of each status each operation and each kind of input got. */
export class Coverage {
  private rows = new Map<string, Map<string, number>>();

  count(c: FuzzCase, status: number | undefined) {
    this.tally(c.operation, `${c.mutation === "valid" ? "" : "✗"}${status ?? "-"}`);
    this.tally(`input: ${mutationKind(c.mutation)}`, String(status ?? "-"));
  }

  has(row: string) {
    return this.rows.has(row);
  }

  private tally(row: string, key: string) {
    const counts = this.rows.get(row) ?? new Map<string, number>();
    this.rows.set(row, counts);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }

  toString() {
    return [...this.rows]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([row, counts]) => {
        const cells = [...counts].sort().map(([k, n]) => `${k}×${n}`);
        return `${row}: ${cells.join(" ")}`;
      })
      .join("\n");
  }
}
