import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { createServer } from "node:net";
import nodemailer, { type SendMailOptions, type Transporter } from "nodemailer";
import { type MailSink, type SunkMessage, startMailSink } from "./mail-sink.ts";

interface MailpitAddress {
  Name: string;
  Address: string;
}
interface MailpitList {
  total: number;
  count: number;
  messages_count: number;
  messages: {
    ID: string;
    From: MailpitAddress;
    To: MailpitAddress[];
    Subject: string;
    Created: string;
  }[];
}

let sink: MailSink;
let transport: Transporter;

const send = (subject: string, extra: Partial<SendMailOptions> = {}) =>
  transport.sendMail({
    from: '"Hangout Planner" <noreply@hangout.test>',
    to: '"Ada Lovelace" <ada@example.test>',
    subject,
    text: `text of ${subject}`,
    ...extra,
  });

const getJson = async <T>(path: string): Promise<{ status: number; body: T }> => {
  const response = await fetch(`${sink.apiUrl}${path}`);
  return { status: response.status, body: (await response.json()) as T };
};

beforeAll(async () => {
  sink = await startMailSink({ keep: 5 });
  transport = nodemailer.createTransport({ url: sink.smtpUrl });
});
afterAll(async () => {
  transport.close();
  await sink.stop();
});
beforeEach(() => sink.clear());

describe("mail sink", () => {
  test("lists, reads and shows the headers of messages in Mailpit's shapes", async () => {
    await send("first");
    await send("Your hangout invite", {
      to: ['"Ada Lovelace" <ada@example.test>', "bob@example.test"],
      html: "<p>Hello <b>Ada</b></p>",
      headers: { "List-Unsubscribe": "<https://hangout.test/unsubscribe/abc>" },
    });

    const list = await getJson<MailpitList>("/api/v1/messages");
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(2);
    expect(list.body.messages_count).toBe(2);
    expect(list.body.messages.map((message) => message.Subject)).toEqual([
      "Your hangout invite",
      "first",
    ]);
    const [newest] = list.body.messages;
    expect(newest!.From).toEqual({ Name: "Hangout Planner", Address: "noreply@hangout.test" });
    expect(newest!.To).toEqual([
      { Name: "Ada Lovelace", Address: "ada@example.test" },
      { Name: "", Address: "bob@example.test" },
    ]);
    expect(newest!.Created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(newest!.ID).toBe(sink.messages()[0]!.id);

    const limited = await getJson<MailpitList>("/api/v1/messages?limit=1");
    expect(limited.body.count).toBe(1);
    expect(limited.body.total).toBe(2);
    expect(limited.body.messages[0]!.Subject).toBe("Your hangout invite");

    const one = await getJson<Record<string, unknown>>(`/api/v1/message/${newest!.ID}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      ID: newest!.ID,
      Subject: "Your hangout invite",
      From: { Name: "Hangout Planner", Address: "noreply@hangout.test" },
      Text: "text of Your hangout invite",
      HTML: "<p>Hello <b>Ada</b></p>",
    });
    expect(typeof one.body.Date).toBe("string");

    const headers = await getJson<Record<string, string[]>>(
      `/api/v1/message/${newest!.ID}/headers`,
    );
    expect(headers.body["List-Unsubscribe"]).toEqual(["<https://hangout.test/unsubscribe/abc>"]);
    expect(headers.body.Subject).toEqual(["Your hangout invite"]);

    const sunk = sink.messages()[0]!;
    expect(sunk.headers["list-unsubscribe"]).toEqual(["<https://hangout.test/unsubscribe/abc>"]);
    expect(sunk.envelope).toEqual({
      from: "noreply@hangout.test",
      to: ["ada@example.test", "bob@example.test"],
    });
  });

  test("an unknown message ID is a 404 problem", async () => {
    for (const path of ["/api/v1/message/nope", "/api/v1/message/nope/headers", "/view/nope"]) {
      const response = await fetch(`${sink.apiUrl}${path}`);
      expect(response.status).toBe(404);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect(((await response.json()) as { detail: string }).detail).toContain("nope");
    }
  });

  test("refuseNext makes sends fail with a 451 until the count is used up", async () => {
    sink.refuseNext(1);
    const refused = await send("refused").catch((error: { responseCode?: number }) => error);
    expect((refused as { responseCode?: number }).responseCode).toBe(451);
    expect(sink.messages()).toHaveLength(0);

    await send("accepted");
    expect(sink.messages().map((message) => message.subject)).toEqual(["accepted"]);
  });

  test("a message is stored before its 250 and listeners hear of it", async () => {
    const heard: SunkMessage[] = [];
    const unsubscribe = sink.onMessage((message) => heard.push(message));
    const info = await send("heard");
    unsubscribe();
    await send("not heard");

    expect(heard.map((message) => message.subject)).toEqual(["heard"]);
    expect(info.response).toContain(heard[0]!.id);
  });

  test("keeps only the newest messages", async () => {
    for (let i = 1; i <= 7; i++) await send(`bounded ${i}`);
    expect(sink.messages().map((message) => message.subject)).toEqual([
      "bounded 7",
      "bounded 6",
      "bounded 5",
      "bounded 4",
      "bounded 3",
    ]);
    expect((await getJson<MailpitList>("/api/v1/messages")).body.total).toBe(5);
  });

  test("waitFor resolves on a later message and times out naming what it saw", async () => {
    await send("already here");
    const waiting = sink.waitFor((message) => message.subject === "later");
    await send("later");
    expect((await waiting).subject).toBe("later");
    expect((await sink.waitFor((message) => message.subject === "already here")).subject).toBe(
      "already here",
    );

    const missing = sink.waitFor((message) => message.subject === "never", { timeoutMs: 100 });
    await expect(missing).rejects.toThrow(/within 100 ms.*\n.*"later" to ada@example\.test/);
  });

  test("the page lists and shows messages with their content escaped", async () => {
    await send("<script>alert(1)</script>", { html: '<p>"hi"</p><script>alert(2)</script>' });
    const id = sink.messages()[0]!.id;

    const list = await (await fetch(`${sink.apiUrl}/`)).text();
    expect(list).not.toContain("<script>");
    expect(list).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(list).toContain(`href="/view/${id}"`);

    const view = await fetch(`${sink.apiUrl}/view/${id}`);
    expect(view.headers.get("content-security-policy")).toContain("default-src 'none'");
    const page = await view.text();
    expect(page).not.toContain("<script>");
    expect(page).toContain("text of &lt;script&gt;");
    expect(page).toContain(
      'sandbox="" referrerpolicy="no-referrer" title="HTML part" srcdoc="&lt;p&gt;&quot;hi&quot;&lt;/p&gt;&lt;script&gt;',
    );
  });

  test("DELETE /api/v1/messages clears the sink", async () => {
    await send("to delete");
    const response = await fetch(`${sink.apiUrl}/api/v1/messages`, { method: "DELETE" });
    expect(response.status).toBe(200);
    expect(sink.messages()).toHaveLength(0);
    expect((await getJson<MailpitList>("/api/v1/messages")).body.total).toBe(0);
  });

  test("a bad limit and a wrong method are problems", async () => {
    const badLimit = await fetch(`${sink.apiUrl}/api/v1/messages?limit=ten`);
    expect(badLimit.status).toBe(400);
    const post = await fetch(`${sink.apiUrl}/api/v1/messages`, { method: "POST" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, DELETE");
  });
});

test("stop() frees both ports, even with a pooled client still connected", async () => {
  const own = await startMailSink();
  const pooled = nodemailer.createTransport({ url: own.smtpUrl, pool: true });
  await pooled.sendMail({ from: "a@example.test", to: "b@example.test", subject: "x", text: "x" });
  await own.stop();
  pooled.close();

  for (const port of [own.smtpPort, own.httpPort]) {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", resolve);
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  await expect(fetch(`${own.apiUrl}/api/v1/messages`)).rejects.toThrow();
});
