/** Dates as people read them, in their own time zone, and as the API takes them (RFC 3339). */

const full = new Intl.DateTimeFormat(undefined, {
  weekday: "short",
  day: "numeric",
  month: "short",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
});

export const formatWhen = (iso: string) => full.format(new Date(iso));

/** The value of a datetime-local input for an instant (local wall time, minutes). */
export function toLocalInput(iso: string | null | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

/**
 * A datetime-local value as the API takes it; an empty or unreadable one is passed on as typed,
 * so the API's own message for the field is the one shown.
 */
export function fromLocalInput(value: string): string {
  const date = new Date(value);
  return value && !Number.isNaN(date.getTime()) ? date.toISOString() : value;
}
