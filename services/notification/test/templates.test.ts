import { describe, expect, test } from "bun:test";
import { escapeHtml } from "@hangout/platform/html";
import type { DeliveryContent } from "../src/services/delivery-content.ts";
import { formatWhen } from "../src/templates/format.ts";
import { type EmailInput, renderEmail } from "../src/templates/index.ts";
import { confirmPage, donePage } from "../src/templates/pages.ts";

/* The email templates: subjects people understand, both parts, links, and escaping. */

const base = {
  title: "Picnic",
  startsAt: "2031-06-15T18:00:00.000Z",
  endsAt: "2031-06-15T21:00:00.000Z",
  locationName: "Parc",
};
const links = {
  action: "https://web.test/hangout/h1",
  unsubscribe: "https://api.test/notifications/unsubscribe?token=t.k",
  preferences: "https://web.test/settings/notifications",
};
const user = { user: true as const, name: "Bob" };

const render = (
  kind: EmailInput["kind"],
  content: Record<string, unknown>,
  extra: Partial<EmailInput> = {},
) =>
  renderEmail({
    kind,
    content: { ...base, ...content } as DeliveryContent,
    recipient: user,
    actorName: "Ann",
    links,
    ...extra,
  });

const update = (changes: string[]) => ({ change: changes[0], changes, actorId: "a" });

describe("subjects", () => {
  test("say what happened, with the title quoted", () => {
    expect(render("invitation", { invitedBy: "a", invitationId: null }).subject).toBe(
      'Ann invited you to "Picnic"',
    );
    expect(render("update", update(["confirmed"])).subject).toBe('"Picnic" is confirmed');
    expect(render("update", update(["cancelled"])).subject).toBe('"Picnic" is cancelled');
    expect(render("update", update(["rescheduled"])).subject).toBe('"Picnic" has a new time');
    expect(render("update", update(["moved"])).subject).toBe('"Picnic" has a new place');
    expect(render("update", update(["rescheduled", "moved"])).subject).toBe(
      '"Picnic" has a new time and place',
    );
    expect(render("reminder", {}).subject).toBe('Reminder: "Picnic" starts Sun 15 Jun, 18:00 UTC');
  });

  test("stay on one line whatever the title holds, and name someone when auth did not", () => {
    const { subject } = render(
      "invitation",
      { title: "Line\r\nBcc: evil@example.com\u2028x", invitedBy: "a" },
      { actorName: undefined },
    );
    expect(subject).toBe('Someone invited you to "Line Bcc: evil@example.com x"');
  });
});

describe("bodies", () => {
  test("have a text and an HTML part with the action, unsubscribe and preferences links", () => {
    const email = render("update", update(["moved"]));
    for (const part of [email.text, email.html]) {
      expect(part).toContain(links.action);
      expect(part).toContain(links.unsubscribe);
      expect(part).toContain(links.preferences);
    }
    expect(email.text).toContain("Stop emails about changes to your hangouts: ");
    expect(email.text).toContain('Ann moved "Picnic" to a new place.');
    expect(email.html).toContain("<!doctype html>");
  });

  test("escape everything a person typed in the HTML part", () => {
    const email = render(
      "update",
      {
        title: '<img src=x onerror="alert(1)">',
        locationName: "<b>&co</b>",
        ...update(["confirmed"]),
      },
      { actorName: "<i>Ann</i>", recipient: { user: true, name: "Bob's <script>" } },
    );
    expect(email.html).not.toMatch(/<img|<b>|<i>|<script/);
    expect(email.html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
    expect(email.html).toContain("&lt;b&gt;&amp;co&lt;/b&gt;");
    expect(email.html).toContain("Hi Bob&#39;s &lt;script&gt;,");
    expect(email.text).toContain('<img src=x onerror="alert(1)">');
  });

  test("to an address with no account: sign-up wording and no preferences link", () => {
    const email = render(
      "invitation",
      { invitedBy: "a", invitationId: "i" },
      {
        recipient: { user: false },
        links: { action: links.action, unsubscribe: links.unsubscribe },
      },
    );
    expect(email.text).toStartWith("Hello,");
    expect(email.text).toContain("Create your Hangout Planner account with this address");
    expect(email.text).toContain(`Don't email this address again: ${links.unsubscribe}`);
    expect(email.text).not.toContain("settings/notifications");
    expect(email.html).toContain("Sign up and answer");
  });

  test("say when no place is set", () => {
    expect(render("reminder", { locationName: null }).text).toContain("Where: No place set yet");
  });
});

describe("times", () => {
  test("are written in UTC, with the end on the same or another day", () => {
    expect(formatWhen("2031-06-15T18:00:00Z", null)).toBe("Sun 15 Jun 2031, 18:00 UTC");
    expect(formatWhen("2031-06-15T18:00:00Z", "2031-06-15T21:30:00Z")).toBe(
      "Sun 15 Jun 2031, 18:00–21:30 UTC",
    );
    expect(formatWhen("2031-06-15T22:00:00Z", "2031-06-16T02:00:00Z")).toBe(
      "Sun 15 Jun 2031, 22:00 – Mon 16 Jun 2031, 02:00 UTC",
    );
  });
});

describe("pages", () => {
  test("escape the form action and word what stops", () => {
    const page = confirmPage({ kind: "reminder", user: true }, '/x?token=a"><script>');
    expect(page).toContain('action="/x?token=a&quot;&gt;&lt;script&gt;"');
    expect(page).toContain("Stop emails about reminders.");
    expect(donePage({ kind: "invitation", user: false }, undefined)).toContain(
      "You won't get all emails from Hangout Planner to this address any more.",
    );
    expect(escapeHtml(`&<>"'`)).toBe("&amp;&lt;&gt;&quot;&#39;");
  });
});
