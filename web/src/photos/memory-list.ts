/**
 * The gallery's list as the API orders it (newest first, by creation time then id, the keyset
 * of GET /hangouts/{id}/memories), changed in place by confirms, refetches and live changes.
 */
import type { LiveChange } from "../api/live.ts";
import type { Memory } from "../api/types.ts";

type Ordered = Pick<Memory, "id" | "createdAt">;

/** Negative when `a` comes before `b` in the gallery. */
export function newestFirst(a: Ordered, b: Ordered): number {
  const byTime = Date.parse(b.createdAt) - Date.parse(a.createdAt);
  if (byTime !== 0) return byTime;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** The list with `memory` in place of its older copy, or added where its order puts it. */
export function upsertMemory<M extends Ordered>(items: readonly M[], memory: M): M[] {
  if (items.some((item) => item.id === memory.id)) {
    return items.map((item) => (item.id === memory.id ? memory : item));
  }
  const at = items.findIndex((item) => newestFirst(memory, item) < 0);
  return at === -1 ? [...items, memory] : [...items.slice(0, at), memory, ...items.slice(at)];
}

export function removeMemory<M extends Ordered>(items: readonly M[], id: string): M[] {
  return items.filter((item) => item.id !== id);
}

/** The list after a `memory.*` live change of this hangout (others leave it as it is). */
export function applyChange(
  items: readonly Memory[],
  change: LiveChange,
  hangoutId: string,
): Memory[] {
  if (change.hangoutId !== hangoutId) return [...items];
  if (change.type === "memory.removed" && typeof change.memoryId === "string") {
    return removeMemory(items, change.memoryId);
  }
  const memory = change.memory as Memory | undefined;
  if ((change.type === "memory.added" || change.type === "memory.processed") && memory?.id) {
    return upsertMemory(items, memory);
  }
  return [...items];
}
