import { afterAll, beforeAll, expect, test } from "bun:test";
import net from "node:net";
import { type MailSink, startMailSink } from "@hangout/platform/testing/mail-sink";
import { loadNotificationConfig } from "../src/config.ts";
import { createSmtpTransport } from "../src/repositories/smtp.ts";

/*
 * The SMTP transport keeps its pooled connections: a new one costs the server's greeting, so a
 * connection dropped every hundred messages stalls a lane at a steady rate.
 */

let sink: MailSink;
let proxy: net.Server;
let opened = 0;

beforeAll(async () => {
  sink = await startMailSink({ smtpPort: 0, httpPort: 0 });
  // Counts the TCP connections the transport opens towards the sink.
  proxy = net.createServer((client) => {
    opened++;
    const upstream = net.connect(sink.smtpPort, "127.0.0.1");
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", close);
    upstream.on("error", close);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
});

afterAll(async () => {
  proxy?.close();
  await sink?.stop();
});

test("a steady stream of emails reuses MAIL_CONCURRENCY connections", async () => {
  const { port } = proxy.address() as net.AddressInfo;
  const config = loadNotificationConfig({
    ...process.env,
    SMTP_URL: `smtp://127.0.0.1:${port}`,
    MAIL_CONCURRENCY: "2",
  });
  const transport = createSmtpTransport(config);
  const total = 230;
  try {
    let next = 0;
    const lane = async () => {
      while (next < total) {
        const i = next++;
        await transport.send({
          to: `guest${i}@example.test`,
          subject: `Pooled ${i}`,
          text: "hello",
          html: "<p>hello</p>",
          headers: {},
        });
      }
    };
    await Promise.all([lane(), lane()]);
  } finally {
    transport.close();
  }
  expect(sink.messages().filter((m) => m.subject.startsWith("Pooled ")).length).toBe(total);
  expect(opened).toBeLessThanOrEqual(2);
}, 60_000);
