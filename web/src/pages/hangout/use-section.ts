/**
 * One list of the hangout page (members, activities, invitations): loaded, reloaded, and
 * changed in place by the page's own actions and by live changes.
 */
import { useCallback, useRef, useState } from "preact/hooks";
import { messageOf } from "../../api/problem.ts";

export interface Section<T> {
  items: T[] | undefined;
  error: string | undefined;
  load(): void;
  update(change: (items: T[]) => T[]): void;
}

export function useSection<T>(read: (id: string) => Promise<T[]>, id: string): Section<T> {
  const [items, setItems] = useState<T[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  // Only the latest load's answer counts: an older one may end after a newer one.
  const latest = useRef(0);
  const load = useCallback(() => {
    const ticket = ++latest.current;
    read(id).then(
      (found) => {
        if (ticket !== latest.current) return;
        setItems(found);
        setError(undefined);
      },
      (failure) => {
        if (ticket === latest.current) setError(messageOf(failure));
      },
    );
  }, [read, id]);
  // A change that comes before the first load is in that load's answer.
  const update = useCallback((change: (items: T[]) => T[]) => {
    setItems((current) => current && change(current));
  }, []);
  return { items, error, load, update };
}

/** The list with `item` in place of the one `same` finds, or added at the end. */
export function upsert<T>(items: T[], item: T, same: (other: T) => boolean): T[] {
  return items.some(same) ? items.map((other) => (same(other) ? item : other)) : [...items, item];
}
