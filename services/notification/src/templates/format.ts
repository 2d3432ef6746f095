/*
 * How times and titles read in emails. Recipients' time zones are unknown here, so times are
 * written in UTC and say so.
 */

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

const two = (n: number) => String(n).padStart(2, "0");
const day = (t: Date) => `${DAYS[t.getUTCDay()]} ${t.getUTCDate()} ${MONTHS[t.getUTCMonth()]}`;
const clock = (t: Date) => `${two(t.getUTCHours())}:${two(t.getUTCMinutes())}`;

/** "Mon 15 Jun 2026, 18:00 UTC", with its end when there is one ("18:00–21:00 UTC"). */
export function formatWhen(startsAt: string, endsAt: string | null): string {
  const start = new Date(startsAt);
  const end = endsAt ? new Date(endsAt) : undefined;
  const first = `${day(start)} ${start.getUTCFullYear()}, ${clock(start)}`;
  if (!end || end.getTime() <= start.getTime()) return `${first} UTC`;
  if (end.toISOString().slice(0, 10) === start.toISOString().slice(0, 10)) {
    return `${first}–${clock(end)} UTC`;
  }
  return `${first} – ${day(end)} ${end.getUTCFullYear()}, ${clock(end)} UTC`;
}

/** "Mon 15 Jun, 18:00 UTC": short enough for a subject line. */
export const formatShort = (startsAt: string) => {
  const start = new Date(startsAt);
  return `${day(start)}, ${clock(start)} UTC`;
};

/** Text on one line (a subject): control characters and runs of white space become one space. */
export const oneLine = (text: string) => text.replace(/[\p{Cc}\p{Zl}\p{Zp}\s]+/gu, " ").trim();

/** A title as quoted in a subject or a sentence. */
export const quoted = (title: string) => `"${oneLine(title)}"`;
