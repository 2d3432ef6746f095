import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { runTransaction } from "@hangout/platform/db";
import type { PhotoFailure, PhotoRefusedContent } from "../src/services/delivery-content.ts";
import { HangoutNotKnownYet, handleEvent } from "../src/services/event-handler.ts";
import { type EmailInput, renderEmail } from "../src/templates/index.ts";
import {
  apply,
  at,
  deliveriesOf,
  ENDS_AT,
  event,
  hangoutStory,
  type NotificationStore,
  newId,
  notificationDatabase,
  STARTS_AT,
  TRACEPARENT,
  user,
} from "./events-fixtures.ts";

/*
 * `memory.processed` (src/services/photo-events.ts, templates/photo-refused.ts): the uploader of
 * a photo that did not make it gets one email saying why in plain words; a ready photo, none.
 */

let store: NotificationStore;
beforeAll(async () => {
  store = await notificationDatabase();
});
afterAll(() => store?.drop());

const REASONS: PhotoFailure[] = ["infected", "too_large", "undecodable", "timeout", "missing"];

/** `memory.processed.v1` as hangout's outbox writes it. */
function processed(
  hangoutId: string,
  uploadedBy: string,
  outcome:
    | { status: "ready"; failureReason: null }
    | { status: "failed"; failureReason: PhotoFailure },
  time = at(10),
  memoryId = newId(),
) {
  return event(
    "dev.hangout-planner.memory.processed.v1",
    { hangoutId, memoryId, uploadedBy, fileId: newId(), ...outcome },
    time,
  );
}

const failed = (failureReason: PhotoFailure) => ({ status: "failed" as const, failureReason });
const READY = { status: "ready" as const, failureReason: null };

/** A hangout with a member who uploads (going). */
async function hangoutWithUploader() {
  const story = hangoutStory();
  const uploader = newId();
  await apply(store.db, [
    story.created(at(0)),
    story.invited(at(1), uploader),
    story.rsvp(at(2), uploader, "going"),
  ]);
  return { story, uploader };
}

const photoEmails = async (hangoutId: string) =>
  (await deliveriesOf(store.db, hangoutId)).filter(
    (d) => (d.content as { email?: string }).email === "photo-refused",
  );

describe("who is emailed", () => {
  test("an infected photo: one email to its uploader, under update, with the hangout", async () => {
    const { story, uploader } = await hangoutWithUploader();
    const e = processed(story.hangoutId, uploader, failed("infected"));
    expect(await apply(store.db, [e])).toBe(1);
    const [row, ...more] = await photoEmails(story.hangoutId);
    expect(more).toEqual([]);
    expect(row).toMatchObject({
      recipient: user(uploader),
      userId: uploader,
      kind: "update",
      status: "pending",
      sourceId: `photo:${e.data.memoryId}`,
      traceparent: TRACEPARENT,
    });
    expect(row?.content).toEqual({
      title: "Picnic in the park",
      startsAt: STARTS_AT,
      endsAt: ENDS_AT,
      locationName: "Parc de la Tête d'Or",
      email: "photo-refused",
      memoryId: e.data.memoryId,
      reason: "infected",
    });
  });

  test("the same event again, or another about the same photo: still one email", async () => {
    const { story, uploader } = await hangoutWithUploader();
    const e = processed(story.hangoutId, uploader, failed("infected"));
    const again = processed(story.hangoutId, uploader, failed("infected"), at(11), e.data.memoryId);
    expect(await apply(store.db, [e, e, again])).toBe(1);
    expect(await photoEmails(story.hangoutId)).toHaveLength(1);
  });

  test("a ready photo: nobody", async () => {
    const { story, uploader } = await hangoutWithUploader();
    expect(await apply(store.db, [processed(story.hangoutId, uploader, READY)])).toBe(0);
    expect(await photoEmails(story.hangoutId)).toEqual([]);
  });

  test("every other failure: one email each, with its reason", async () => {
    const { story, uploader } = await hangoutWithUploader();
    const events = REASONS.map((r) => processed(story.hangoutId, uploader, failed(r)));
    expect(await apply(store.db, events)).toBe(REASONS.length);
    const reasons = (await photoEmails(story.hangoutId)).map((d) => d.content.reason);
    expect(reasons.sort()).toEqual([...REASONS].sort());
  });

  test("the owner's own photo is told to them too: the pipeline refused it, not they", async () => {
    const { story } = await hangoutWithUploader();
    await apply(store.db, [processed(story.hangoutId, story.owner, failed("infected"))]);
    expect((await photoEmails(story.hangoutId)).map((d) => d.recipient)).toEqual([
      user(story.owner),
    ]);
  });

  test("a deleted hangout: nobody (its photos went with it)", async () => {
    const { story, uploader } = await hangoutWithUploader();
    await apply(store.db, [story.deleted(at(5))]);
    expect(await apply(store.db, [processed(story.hangoutId, uploader, failed("infected"))])).toBe(
      0,
    );
  });

  test("a hangout not known yet: thrown, so the consumer retries it; a ready one is not", async () => {
    const e = processed(newId(), newId(), failed("infected"));
    const handle = (ev: typeof e) => runTransaction(store.db, (tx) => handleEvent(ev, tx, at(60)));
    await expect(handle(e)).rejects.toBeInstanceOf(HangoutNotKnownYet);
    expect(await handle(processed(newId(), newId(), READY))).toEqual([]);
  });
});

describe("the email", () => {
  const render = (reason: unknown, title = "Picnic") =>
    renderEmail({
      kind: "update",
      content: {
        title,
        startsAt: STARTS_AT,
        endsAt: null,
        locationName: null,
        email: "photo-refused",
        memoryId: newId(),
        reason,
      } as PhotoRefusedContent,
      recipient: { user: true, name: "Bob" },
      links: {
        action: "https://web.test/hangout/h1",
        unsubscribe: "https://api.test/notifications/unsubscribe?token=t.k",
        preferences: "https://web.test/settings/notifications",
      },
    } satisfies EmailInput);

  test("infected: the title, the virus scan, the deletion and the link, in both parts", () => {
    const email = render("infected");
    expect(email.subject).toBe('Your photo in "Picnic" was not added');
    for (const part of [email.text, email.html]) {
      expect(part).toContain("Picnic");
      expect(part).toContain("a virus scan flagged it, and it was deleted");
      expect(part).toContain("https://web.test/hangout/h1");
      expect(part).toContain("Stop emails about changes to your hangouts");
    }
    expect(email.text).toStartWith("Hi Bob,\n");
  });

  test("says why in plain words, never the internal code", () => {
    const seen = new Set<string>();
    for (const reason of REASONS) {
      const { text, html } = render(reason);
      for (const code of REASONS) {
        expect(text).not.toContain(code);
        expect(html).not.toContain(code);
      }
      expect(text).not.toContain("_");
      seen.add(text);
    }
    expect(seen.size).toBe(REASONS.length);
    // A reason this version does not know, or none: a plain sentence still.
    for (const unknown of ["quarantined_forever", null]) {
      const { text } = render(unknown);
      expect(text).toContain("something went wrong while we prepared it");
      expect(text).not.toContain("quarantined");
    }
  });

  test("a title is escaped in the HTML and kept on one line in the subject", () => {
    const email = render("infected", '<img src=x onerror="x">\r\nBcc: a@b');
    expect(email.html).not.toContain("<img src=x");
    expect(email.html).toContain("&lt;img src=x");
    expect(email.subject).toBe('Your photo in "<img src=x onerror="x"> Bcc: a@b" was not added');
  });
});
