import { describe, expect, test } from "bun:test";
import type { Memory } from "../api/types.ts";
import { HANGOUT, memory } from "./memory.fixture.ts";
import { applyChange, newestFirst, upsertMemory } from "./memory-list.ts";

const ids = (items: Memory[]) => items.map((item) => item.id);

describe("the gallery's order", () => {
  test("newest first, then by id as the API's keyset", () => {
    const a = memory("a", "2026-01-01T10:00:00Z");
    const b = memory("b", "2026-01-01T11:00:00Z");
    const c = memory("c", "2026-01-01T11:00:00Z");
    expect(ids([a, b, c].sort(newestFirst))).toEqual(["c", "b", "a"]);
  });

  test("a new photo goes where its time puts it; a known one is replaced in place", () => {
    const list = [memory("c", "2026-01-03T00:00:00Z"), memory("a", "2026-01-01T00:00:00Z")];
    const added = upsertMemory(list, memory("b", "2026-01-02T00:00:00Z"));
    expect(ids(added)).toEqual(["c", "b", "a"]);
    const ready = upsertMemory(added, memory("b", "2026-01-02T00:00:00Z", { status: "ready" }));
    expect(ids(ready)).toEqual(["c", "b", "a"]);
    expect(ready[1]?.status).toBe("ready");
    expect(ids(upsertMemory(list, memory("d", "2026-01-04T00:00:00Z")))).toEqual(["d", "c", "a"]);
  });
});

describe("live changes", () => {
  const list = [memory("a", "2026-01-01T00:00:00Z")];
  const change = (type: string, rest: object, hangoutId = HANGOUT) => ({
    type,
    actorId: null,
    hangoutId,
    ...rest,
  });

  test("added and processed carry the memory; removed its id", () => {
    const added = applyChange(
      list,
      change("memory.added", { memory: memory("b", "2026-02-01T00:00:00Z") }),
      HANGOUT,
    );
    expect(ids(added)).toEqual(["b", "a"]);
    const processed = applyChange(
      added,
      change("memory.processed", {
        memory: memory("b", "2026-02-01T00:00:00Z", {
          status: "failed",
          failureReason: "infected",
        }),
      }),
      HANGOUT,
    );
    expect(processed[0]?.failureReason).toBe("infected");
    expect(
      ids(applyChange(processed, change("memory.removed", { memoryId: "b" }), HANGOUT)),
    ).toEqual(["a"]);
  });

  test("another hangout's change, or one without its resource, changes nothing", () => {
    const other = change("memory.removed", { memoryId: "a" }, "h2");
    expect(ids(applyChange(list, other, HANGOUT))).toEqual(["a"]);
    expect(ids(applyChange(list, change("memory.added", {}), HANGOUT))).toEqual(["a"]);
  });
});
