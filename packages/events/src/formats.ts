import { isDateTime } from "@hangout/platform/formats";
import { FormatRegistry } from "@sinclair/typebox";

/*
 * TypeBox checks `format` through one process-wide registry and fails every value of a format
 * nobody registered. A consumer must get the same verdict whether or not its process also runs
 * an HTTP app, so this package fills in uuid and email when they are missing and always sets
 * the platform's date-time rule (packages/platform/src/formats.ts).
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One @, no spaces, a dot in the domain: addresses were checked in full where they came in. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const checks: Record<string, (value: string) => boolean> = {
  uuid: (value) => UUID.test(value),
  "date-time": isDateTime,
  email: (value) => EMAIL.test(value),
};

export function ensureFormats() {
  for (const [name, check] of Object.entries(checks)) {
    if (!FormatRegistry.Has(name)) FormatRegistry.Set(name, check);
  }
  // Elysia registers a laxer date-time on import; the platform's rule is the one every service
  // applies (the HTTP app sets the same), so it always wins.
  FormatRegistry.Set("date-time", isDateTime);
}

/** What a value of each format or pattern used in this package must be, in words. */
export const formatWords: Record<string, string> = {
  uuid: "a UUID",
  "date-time": "an RFC 3339 date-time with a time zone (2026-06-15T18:00:00Z)",
  email: "an email address",
};

export const patternWords = new Map<string, string>();

/** Registers the words for `pattern` and returns it, for use in a schema. */
export function describedPattern(pattern: string, words: string): string {
  patternWords.set(pattern, words);
  return pattern;
}
