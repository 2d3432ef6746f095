/**
 * Issue 17 end to end: hangout's events travel through the real broker to the notification
 * service, which emails through a real SMTP server (the sink in this process). Invitations reach
 * an existing user and an address with no account; that address signs up (in upper case) and
 * becomes a member through auth's `user.signed-up`; confirming emails the members going or maybe
 * and nobody else; the one-click unsubscribe link from an email's header stops that kind of email.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  type EventsStack,
  json,
  type Person,
  type SunkMessage,
  sentTo,
  startEventsStack,
  until,
  WEB_APP_URL,
} from "./events-stack.fixture.ts";

// User input in an email: the HTML part must escape it.
const TITLE = "Lake picnic & games";
const ESCAPED_TITLE = "Lake picnic &amp; games";
/** Long enough for an email the mailer had in hand to have arrived, were it sent. */
const QUIET_MS = 1500;

let stack: EventsStack;
let owner: Person;
let bob: Person;
let carol: Person;
let newcomer: Person;
let newcomerAddress: string;
let hangoutId: string;
let hangoutLink: string;

const hangoutApi = (method: string, path: string, as: Person, body?: unknown) =>
  stack.call(method, `${stack.hangoutUrl}${path}`, body, { as });

const withSubject = (words: string) => (message: SunkMessage) => message.subject.includes(words);
const both =
  (...tests: ((m: SunkMessage) => boolean)[]) =>
  (m: SunkMessage) =>
    tests.every((check) => check(m));

/** What the HTML part says once its entities are read (hrefs escape `&`). */
const unescapeHtml = (html: string) =>
  html.replaceAll("&quot;", '"').replaceAll("&#39;", "'").replaceAll("&amp;", "&");

/** Waits until the mailer settled every delivery it has queued, then a moment more. */
async function settled() {
  await until("every queued email settled", async () =>
    (await stack.pendingDeliveries()) === 0 ? true : undefined,
  );
  await Bun.sleep(QUIET_MS);
}

beforeAll(async () => {
  stack = await startEventsStack();
  owner = await stack.signUp("Olive Owner");
  bob = await stack.signUp("Bob Going");
  carol = await stack.signUp("Carol Declines");
  newcomerAddress = `newcomer-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const created = await json<{ id: string }>(
    await hangoutApi("POST", "/hangouts", owner, {
      title: TITLE,
      startsAt: "2031-06-14T09:00:00Z",
      location: { name: "North shore" },
    }),
    201,
  );
  hangoutId = created.id;
  hangoutLink = `${WEB_APP_URL}/hangout/${hangoutId}`;
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe("emails about a hangout, end to end", () => {
  test("an existing user and an unknown address are both invited by email", async () => {
    const invited = await json<{ invited: string[]; pendingEmails: string[] }>(
      await hangoutApi("POST", `/hangouts/${hangoutId}/invites`, owner, {
        emails: [bob.email, carol.email, newcomerAddress],
      }),
      200,
    );
    expect(invited.invited.sort()).toEqual([bob.id, carol.id].sort());
    expect(invited.pendingEmails).toEqual([newcomerAddress]);

    const toBob = await stack.sink.waitFor(sentTo(bob.email));
    expect(toBob.to).toEqual([{ name: "Bob Going", address: bob.email }]);
    expect(toBob.subject).toBe(`Olive Owner invited you to "${TITLE}"`);
    expect(toBob.text).toContain(hangoutLink);
    expect(toBob.html).toContain(hangoutLink);
    expect(toBob.html).toContain(ESCAPED_TITLE);
    expect(toBob.html).not.toContain(TITLE);

    const [invitation] = (
      await json<{ items: { id: string; email: string }[] }>(
        await hangoutApi("GET", `/hangouts/${hangoutId}/invitations`, owner),
        200,
      )
    ).items;
    expect(invitation?.email).toBe(newcomerAddress);
    const signUpLink = `${WEB_APP_URL}/signup?email=${encodeURIComponent(newcomerAddress)}&invitation=${invitation?.id}&hangout=${hangoutId}`;
    const toNewcomer = await stack.sink.waitFor(sentTo(newcomerAddress));
    // No account, so no name: the bare address.
    expect(toNewcomer.to).toEqual([{ name: "", address: newcomerAddress }]);
    expect(toNewcomer.subject).toContain(TITLE);
    expect(toNewcomer.text).toContain(signUpLink);
    expect(unescapeHtml(toNewcomer.html)).toContain(signUpLink);
    expect(toNewcomer.text).not.toContain(hangoutLink);

    await stack.sink.waitFor(sentTo(carol.email));
    await settled();
    // One each, and none to the owner who invited them.
    expect(
      stack.sink
        .messages()
        .map((m) => m.envelope.to.join())
        .sort(),
    ).toEqual([bob.email, carol.email, newcomerAddress].sort());
  });

  test("the address signs up in upper case and becomes a member with no answer yet", async () => {
    newcomer = await stack.signUp("Nina Newcomer", newcomerAddress.toUpperCase());
    const members = await until("the newcomer among the members", async () => {
      const page = await json<{ items: { userId: string; rsvp: string }[] }>(
        await hangoutApi("GET", `/hangouts/${hangoutId}/members`, owner),
        200,
      );
      return page.items.some((m) => m.userId === newcomer.id) ? page.items : undefined;
    });
    expect(members.find((m) => m.userId === newcomer.id)?.rsvp).toBe("pending");
    expect(members.map((m) => m.userId).sort()).toEqual(
      [owner.id, bob.id, carol.id, newcomer.id].sort(),
    );
  });

  test("confirming emails those going or maybe, not those declining, not the owner", async () => {
    for (const [person, rsvp] of [
      [bob, "going"],
      [newcomer, "maybe"],
      [carol, "declined"],
    ] as const) {
      await json(await hangoutApi("PUT", `/hangouts/${hangoutId}/rsvp`, person, { rsvp }), 200);
    }
    // The confirmation goes right behind the answers: the consumer handles one hangout's events
    // in order, so it knows who said yes before it decides who hears about it.
    stack.sink.clear();
    await json(
      await hangoutApi("PATCH", `/hangouts/${hangoutId}`, owner, { status: "confirmed" }),
      200,
    );

    const confirmed = withSubject(`"${TITLE}" is confirmed`);
    const toBob = await stack.sink.waitFor(both(sentTo(bob.email), confirmed));
    const toNewcomer = await stack.sink.waitFor(both(sentTo(newcomerAddress), confirmed));
    // Now a user: auth's name and stored address, whatever case it signed up with.
    expect(toNewcomer.to).toEqual([{ name: "Nina Newcomer", address: newcomerAddress }]);
    for (const message of [toBob, toNewcomer]) {
      expect(message.text).toContain("Olive Owner confirmed");
      expect(message.text).toContain(hangoutLink);
      expect(message.html).toContain(hangoutLink);
    }
    await settled();
    expect(
      stack.sink
        .messages()
        .map((m) => m.envelope.to.join())
        .sort(),
    ).toEqual([bob.email, newcomerAddress].sort());
  });

  test("one-click unsubscribe from the header stops updates to that member only", async () => {
    const confirmation = stack.sink
      .messages()
      .find(both(sentTo(bob.email), withSubject("is confirmed")));
    expect(confirmation?.headers["list-unsubscribe-post"]).toEqual(["List-Unsubscribe=One-Click"]);
    const [header] = confirmation?.headers["list-unsubscribe"] ?? [];
    const link = /^<([^>]+)>$/.exec(header ?? "")?.[1] ?? "";
    expect(link).toStartWith(`${stack.notificationUrl}/notifications/unsubscribe?token=`);
    expect(link.toLowerCase()).not.toContain(encodeURIComponent(bob.email).toLowerCase());

    // What a mail client sends (RFC 8058): no sign-in, the token is the authority.
    const response = await fetch(link, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    expect({ status: response.status, body: await response.text() }).toMatchObject({
      status: 200,
    });
    const preferences = await json<Record<string, boolean>>(
      await stack.call("GET", `${stack.notificationUrl}/notifications/preferences`, undefined, {
        as: bob,
      }),
      200,
    );
    expect(preferences).toEqual({ invitation: true, update: false, reminder: true });

    stack.sink.clear();
    await json(
      await hangoutApi("PATCH", `/hangouts/${hangoutId}`, owner, {
        startsAt: "2031-06-21T09:00:00Z",
      }),
      200,
    );
    const moved = await stack.sink.waitFor(
      both(sentTo(newcomerAddress), withSubject(`"${TITLE}" has a new time`)),
    );
    expect(moved.text).toContain(hangoutLink);
    await settled();
    expect(stack.sink.messages().map((m) => m.envelope.to.join())).toEqual([newcomerAddress]);
  });
});
