/**
 * The hangout's photos: every page of GET /hangouts/{id}/memories, kept current by the page's
 * live changes, by confirms, and by refetching a photo whose short-lived URL stopped working.
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { call, hangoutApi } from "../api/client.ts";
import type { LiveChange } from "../api/live.ts";
import { ApiError, messageOf } from "../api/problem.ts";
import type { Memory } from "../api/types.ts";
import { applyChange, removeMemory, upsertMemory } from "./memory-list.ts";

async function allMemories(hangoutId: string): Promise<Memory[]> {
  const items: Memory[] = [];
  let cursor: string | null = null;
  do {
    const query: { limit: string; cursor?: string } = cursor
      ? { limit: "100", cursor }
      : { limit: "100" };
    const page = await call(() =>
      hangoutApi.GET("/hangouts/{id}/memories", { params: { path: { id: hangoutId }, query } }),
    );
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

type Edit = (items: Memory[]) => Memory[];

export function useMemories(hangoutId: string, lastChange: LiveChange | undefined) {
  const [items, setItems] = useState<Memory[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  // Edits that come while a load runs wait for its answer, which may predate them.
  const waiting = useRef<Edit[] | undefined>();
  const latest = useRef(0);

  const edit = useCallback((change: Edit) => {
    if (waiting.current) waiting.current.push(change);
    else setItems((current) => current && change(current));
  }, []);

  const load = useCallback(() => {
    const ticket = ++latest.current;
    waiting.current = [];
    setError(undefined);
    allMemories(hangoutId).then(
      (found) => {
        if (ticket !== latest.current) return;
        const edits = waiting.current ?? [];
        waiting.current = undefined;
        setItems(edits.reduce((list, change) => change(list), found));
      },
      (failure) => {
        if (ticket !== latest.current) return;
        waiting.current = undefined;
        setError(messageOf(failure));
      },
    );
  }, [hangoutId]);

  useEffect(() => {
    setItems(undefined);
    load();
  }, [load]);

  useEffect(() => {
    if (lastChange) edit((list) => applyChange(list, lastChange, hangoutId));
  }, [lastChange, edit, hangoutId]);

  const added = useCallback(
    (memories: Memory[]) => edit((list) => memories.reduce(upsertMemory, list)),
    [edit],
  );

  // A URL that failed once is not refetched for again: a second failure is not an expiry.
  const refetched = useRef(new Set<string>());
  const refetch = useCallback(
    (memory: Memory, failedUrl: string) => {
      if (refetched.current.has(failedUrl)) return;
      refetched.current.add(failedUrl);
      call(() => hangoutApi.GET("/memories/{id}", { params: { path: { id: memory.id } } })).then(
        (fresh) => edit((list) => upsertMemory(list, fresh)),
        (failure) => {
          if (failure instanceof ApiError && failure.status === 404) {
            edit((list) => removeMemory(list, memory.id));
          }
        },
      );
    },
    [edit],
  );

  /** Deletes the photo; one already gone counts as deleted. */
  const remove = useCallback(
    async (id: string) => {
      try {
        await call(() => hangoutApi.DELETE("/memories/{id}", { params: { path: { id } } }));
      } catch (failure) {
        if (!(failure instanceof ApiError && failure.status === 404)) throw failure;
      }
      edit((list) => removeMemory(list, id));
    },
    [edit],
  );

  return { items, error, load, added, refetch, remove };
}
