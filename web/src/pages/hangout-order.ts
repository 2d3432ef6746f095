import type { HangoutSummary } from "../api/types.ts";

/** Upcoming while it has not ended (or, without an end, not started); past after. */
export function splitByTime(items: HangoutSummary[], now = Date.now()) {
  const over = (h: HangoutSummary) => Date.parse(h.endsAt ?? h.startsAt) < now;
  const upcoming = items
    .filter((h) => !over(h))
    .sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt));
  const past = items.filter(over).sort((a, b) => Date.parse(b.startsAt) - Date.parse(a.startsAt));
  return { upcoming, past };
}
