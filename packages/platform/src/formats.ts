import { FormatRegistry } from "@sinclair/typebox";
import { fullFormats } from "elysia/type-system/format";

/**
 * The string formats every service validates with. `@elysiajs/openapi` replaces the process-wide
 * TypeBox formats (email, uuid, date-time…) with Zod/Valibot checks that build a new schema on
 * every call: a fifth of the CPU of a simple authenticated request in `bun run bench`. `fast`
 * puts Elysia's own regex checks back (call after the plugin is imported; docs.ts imports it).
 * date-time is always the platform's own, stricter check (`isDateTime`).
 */
export function registerFormats(options: { fast: boolean }) {
  if (options.fast) {
    for (const [name, format] of Object.entries(fullFormats)) {
      if (format instanceof RegExp) FormatRegistry.Set(name, (value) => format.test(value));
      else if (typeof format === "function")
        FormatRegistry.Set(name, format as (v: string) => boolean);
    }
  }
  FormatRegistry.Set("date-time", isDateTime);
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;

/** The instants a MySQL/MariaDB DATETIME holds and every view writes back unchanged. */
const EARLIEST = Date.UTC(1000, 0, 1);
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * An RFC 3339 date-time (a time zone is required, written `Z` or `±HH:MM`) of a real calendar
 * day, between the years 1000 and 9999 once in UTC. Earlier years were stored but read back
 * 1,900 years later; `+0100` and leap seconds (`:60`) are not RFC 3339 as JavaScript reads it.
 */
export function isDateTime(value: string): boolean {
  const m = RFC3339.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as number[];
  if (month! < 1 || month! > 12 || day! < 1 || day! > daysIn(year!, month!)) return false;
  if (hour! > 23 || minute! > 59 || second! > 59) return false;
  if (m[7] !== undefined && (Number(m[7]) > 23 || Number(m[8]) > 59)) return false;
  const time = Date.parse(value);
  return time >= EARLIEST && time <= LATEST;
}

const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();
