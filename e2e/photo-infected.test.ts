/**
 * Issue 19 end to end, an infected photo: every service a real process (auth, file, media
 * scanning with the clamd of scripts/ensure-clamav.sh, hangout, notification mailing a sink in
 * this process). The photo fails `infected`, nothing of it stays in the store, no member is ever
 * given a URL for it, and its uploader is emailed (docs/decisions/0018-photo-pipeline.md).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { cameraJpeg, jpegSegment, withSegments } from "../services/media/test/images.fixture.ts";
import {
  type EventsStack,
  json,
  type Person,
  sentTo,
  startEventsStack,
  until,
} from "./events-stack.fixture.ts";
import {
  keysUnder,
  type MemberApi,
  type Memory,
  photo,
  settled,
  uploadPhotos,
  urlsOf,
} from "./photos.fixture.ts";

/** What scripts/ensure-clamav.sh's test signature matches, anywhere in a file. */
const SIGNATURE = "HANGOUT-PLANNER-TEST-SIGNATURE-7f3a9c";
const TITLE = "Beach cleanup";
/** Long enough for a second email the mailer had in hand to have arrived, were it sent. */
const QUIET_MS = 1500;

let stack: EventsStack;
let owner: Person;
let friend: Person;
let hangoutId: string;

const apiOf = (person: Person): MemberApi => ({
  get: (path) => stack.call("GET", `${stack.hangoutUrl}${path}`, undefined, { as: person }),
  post: (path, body) => stack.call("POST", `${stack.hangoutUrl}${path}`, body, { as: person }),
});

beforeAll(async () => {
  stack = await startEventsStack({}, { photos: true });
  owner = await stack.signUp("Olive Owner");
  friend = await stack.signUp("Fred Friend");
  const owners = apiOf(owner);
  hangoutId = (
    await json<{ id: string }>(
      await owners.post("/hangouts", { title: TITLE, startsAt: "2031-07-01T09:00:00Z" }),
      201,
    )
  ).id;
  await json(await owners.post(`/hangouts/${hangoutId}/invites`, { emails: [friend.email] }), 200);
  // The invitation is the friend's first email; what follows is about the photo only.
  await stack.sink.waitFor(sentTo(friend.email), { timeoutMs: 20_000 });
  stack.sink.clear();
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

test("an infected photo fails, leaves nothing behind, is never served, and its uploader is emailed", async () => {
  const clean = await cameraJpeg(640, 480, 1);
  const infected = withSegments(clean, [jpegSegment(0xfe, `note ${SIGNATURE}`)]);
  const { ids, confirmed } = await uploadPhotos(apiOf(friend), hangoutId, [
    photo("infected.jpg", infected),
  ]);
  const memoryId = ids[0]!;

  // Every view a member gets, while processing and after: never a URL.
  const views: Memory[] = [...confirmed];
  const list = async (person: Person) => {
    const page = await json<{ items: Memory[] }>(
      await apiOf(person).get(`/hangouts/${hangoutId}/memories`),
      200,
    );
    views.push(...page.items);
  };
  const outcome = await settled(apiOf(owner), memoryId, {
    seen: async (memory) => {
      views.push(memory);
      await list(friend);
    },
  });
  await list(owner);
  await list(friend);
  views.push(await settled(apiOf(friend), memoryId));

  expect(outcome).toMatchObject({
    filename: "infected.jpg",
    status: "failed",
    failureReason: "infected",
    width: null,
    height: null,
    placeholder: null,
  });
  expect(views.length).toBeGreaterThan(3);
  for (const view of views) {
    expect(view.id).toBe(memoryId);
    expect([...urlsOf(view), view.urlExpiresAt]).toEqual([null, null, null, null]);
  }

  // This stack holds no other photo: nothing may be left under either prefix.
  const file = stack.file!;
  await until("the quarantined upload deleted", async () =>
    (await keysUnder(file, "incoming/")).length === 0 ? true : undefined,
  );
  expect(await keysUnder(file, "media/")).toEqual([]);

  const mail = await stack.sink.waitFor(sentTo(friend.email), { timeoutMs: 20_000 });
  expect(`${mail.subject}\n${mail.text}`).toContain(TITLE);
  await Bun.sleep(QUIET_MS);
  expect(stack.sink.messages().filter(sentTo(friend.email))).toHaveLength(1);
  expect(stack.sink.messages().filter(sentTo(owner.email))).toEqual([]);
}, 90_000);
