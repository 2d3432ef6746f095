/**
 * Generated requests against every operation hangout and file document (issue 16): valid ones
 * from the documents' schemas and broken ones from the fuzzer's mutations, as the owner of the
 * arranged hangouts, a member, an outsider, with no token and with bad ones. Any 5xx, any status
 * or body the document does not promise, and any stored value that reads back differently fails.
 *
 * Bounded for CI; a longer run: `FUZZ_RUNS=20000 bun test services/hangout/test/fuzz.test.ts`.
 * A failure prints its seed; `FUZZ_SEED=<seed>` replays it, `FUZZ_ALL=1` lists every class
 * (without shrinking), `FUZZ_COVERAGE=1` prints the statuses each operation and input got.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { arbitraryFor } from "@hangout/platform/testing/fuzz/arbitraries";
import { expectDocumentsKept } from "@hangout/platform/testing/fuzz/expect-kept";
import { fetchDocument, resourceOf } from "@hangout/platform/testing/fuzz/openapi";
import { type FuzzTarget, fuzzOptions } from "@hangout/platform/testing/fuzz/run";
import fc from "fast-check";
import { createHangout, invite, uploadMemories } from "./fixtures.ts";
import { type Stack, startStackWithPeople, type TestUser } from "./harness.ts";

const options = fuzzOptions({ runs: 4000, seed: 16 });

let stack: Stack;
let targets: FuzzTarget[];

/** Mostly a value of `pool` as it is when drawn (it grows during the run), else `fallback`. */
const pick = <T>(pool: string[], fallback: fc.Arbitrary<T>) =>
  fc
    .tuple(fc.nat(), fallback)
    .map(([i, other]) => (pool.length && i % 4 ? pool[i % pool.length]! : other));

const bearer = (user: TestUser) => `Bearer ${user.token}`;

const EXTENSIONS: Record<string, string[]> = {
  "image/jpeg": ["jpg", "jpeg", "JPG"],
  "image/png": ["png"],
  "image/gif": ["gif"],
  "image/webp": ["webp"],
};

/** An upload the service can accept: its extension matches its type (the schema cannot say so). */
const plausibleFile = fc
  .record({
    name: fc.stringMatching(/^[\w -]{1,40}$/),
    contentType: fc.constantFrom(...Object.keys(EXTENSIONS)),
    size: fc.integer({ min: 1, max: 10 * 1024 * 1024 }),
    sha256: fc.stringMatching(/^[A-Za-z0-9+/]{43}=$/),
    pick: fc.nat(),
  })
  .map(({ name, contentType, size, sha256, pick }) => {
    const extensions = EXTENSIONS[contentType]!;
    return {
      filename: `${name}.${extensions[pick % extensions.length]}`,
      contentType,
      size,
      sha256,
    };
  });

async function activity(user: TestUser, hangoutId: string, title: string) {
  const response = await stack.as(user).post(`/hangouts/${hangoutId}/activities`, { title });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

beforeAll(async () => {
  const people = await startStackWithPeople();
  stack = people.stack;
  const { owner, friend, stranger } = people;
  // The owner's hangouts, the friend a member of each; one of the stranger's own.
  const shared = await Promise.all(
    [1, 2, 3].map((n) => createHangout(stack, owner, { title: `Shared ${n}` })),
  );
  for (const h of shared) await invite(stack, owner, h.id, [friend]);
  const own = await createHangout(stack, stranger, { title: "Stranger's" });
  const first = shared[0]!.id;
  const activities = [
    await activity(owner, first, "Swim"),
    await activity(friend, first, "Hike"),
    await activity(stranger, own.id, "Read"),
  ];
  const memories = [
    ...(await uploadMemories(stack, owner, first, { count: 2 })),
    ...(await uploadMemories(stack, friend, first, { confirm: false })),
  ];
  // Path ids that belong together, as "hangout/other": an activity of that hangout, a member of it.
  const pairs: Record<string, string[]> = {
    activityId: [
      `${first}/${activities[0]}`,
      `${first}/${activities[1]}`,
      `${own.id}/${activities[2]}`,
    ],
    userId: [
      ...shared.flatMap((h) => [`${h.id}/${owner.id}`, `${h.id}/${friend.id}`]),
      `${own.id}/${stranger.id}`,
    ],
  };
  const pools: Record<string, string[]> = {
    hangouts: [...shared.map((h) => h.id), own.id],
    activities,
    memories,
    members: [owner.id, friend.id, stranger.id],
    emails: [owner.email, friend.email, stranger.email, "nobody@example.com"],
    cursor: [],
  };
  const seeded = { hangouts: [...pools.hangouts!], memories: [...pools.memories!] };
  targets = [
    {
      service: "hangout",
      baseUrl: stack.hangoutUrl,
      document: await fetchDocument(stack.hangoutUrl),
      principals: { owner: bearer(owner), member: bearer(friend), outsider: bearer(stranger) },
      pools,
      hint(operation, path, schema) {
        const at = path.join(".");
        const inner = operation.path.match(/\{(activityId|userId)\}/)?.[1];
        if (at === "path" && inner) {
          const known = fc.nat().map((i) => {
            const [id, other] = pairs[inner]![i % pairs[inner]!.length]!.split("/");
            return { id: id!, [inner]: other! };
          });
          // Now and then ids that do not belong together: another hangout's activity.
          const loose = fc.record({
            id: pick(pools.hangouts!, fc.uuid()),
            [inner]: pick(pools[resourceOf(operation.path, inner)]!, fc.uuid()),
          });
          return fc.oneof({ arbitrary: known, weight: 4 }, loose);
        }
        if (at === "path" && operation.method === "DELETE" && !inner) {
          // The arranged hangouts and memories stay for the whole run; what the run made goes.
          const pool = operation.path.startsWith("/memories") ? "memories" : "hangouts";
          const arranged = seeded[pool]!;
          return fc.tuple(fc.nat(), fc.uuid()).map(([i, other]) => {
            const made = pools[pool]!.filter((id) => !arranged.includes(id));
            return { id: made.length && i % 4 ? made[i % made.length]! : other };
          });
        }
        if (at === "files") {
          const files = fc.array(plausibleFile, { minLength: 1, maxLength: 10 });
          return fc.oneof(files, arbitraryFor(schema));
        }
        if (at === "emails.[]") return pick(pools.emails!, fc.constant("someone@example.com"));
        if (at === "memoryIds.[]") return pick(pools.memories!, fc.uuid());
        if (at === "query:cursor") {
          return pick(pools.cursor!, arbitraryFor(schema) as fc.Arbitrary<string>);
        }
        return undefined;
      },
      learn(operation, c, body, remember) {
        const hangout = c.path.id;
        if (operation.key === "POST /hangouts/{id}/memories/uploads") {
          for (const upload of (body as { uploads: { memoryId: string }[] }).uploads) {
            remember("memories", upload.memoryId);
          }
        }
        if (operation.key === "POST /hangouts/{id}/activities") {
          pairs.activityId!.push(`${hangout}/${(body as { id: string }).id}`);
        }
        if (operation.key === "POST /hangouts/{id}/invites") {
          for (const user of (body as { invited: string[] }).invited) {
            pairs.userId!.push(`${hangout}/${user}`);
          }
        }
      },
      // An RSVP is read back from the member list, by the member's userId.
      readBack: { "PUT /hangouts/{id}/rsvp": "GET /hangouts/{id}/members" },
    },
    {
      service: "file",
      baseUrl: stack.file.url,
      document: await fetchDocument(stack.file.url),
      principals: {},
      pools: {},
    },
  ];
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

test(
  "every documented operation keeps its document's promises under generated requests",
  () => expectDocumentsKept(targets, options),
  Math.max(120_000, options.runs * 100),
);
