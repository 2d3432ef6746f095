import { afterAll, beforeAll, expect, test } from "bun:test";
import { startOtlpReceiver } from "@hangout/platform/testing/otlp-receiver";
import { freePort } from "@hangout/platform/testing/ports";
import {
  type ServiceProcess,
  startServiceProcess,
} from "@hangout/platform/testing/service-process";
import {
  hangoutContent,
  type NotificationStack,
  startNotificationStack,
  type TestUser,
} from "./harness.ts";

/*
 * The send span joins the trace of the request that led to the email: its parent is the
 * traceparent stored with the delivery. The tracer provider is one per process and reads its
 * OTLP endpoint once, so the sender here is the real entry point (main.ts) as its own process,
 * exporting to a real OTLP receiver; the service in this process only provides the stack and
 * stays idle (an hour between polls, never woken).
 */

let env: NotificationStack;
let receiver: ReturnType<typeof startOtlpReceiver>;
let sender: ServiceProcess;
let bob: TestUser;

beforeAll(async () => {
  env = await startNotificationStack({ MAIL_POLL_INTERVAL_MS: "3600000" });
  bob = await env.user("Bob");
  receiver = startOtlpReceiver();
  const config = env.service.config;
  const port = freePort();
  sender = await startServiceProcess({
    name: "notification",
    entry: "services/notification/src/main.ts",
    url: `http://127.0.0.1:${port}`,
    env: {
      DEPLOY_ENV: "test",
      LOG_LEVEL: "warn",
      CERT_LIFETIME: "10m",
      NOTIFICATION_HOST: "127.0.0.1",
      NOTIFICATION_PORT: String(port),
      NOTIFICATION_DATABASE_URL: config.NOTIFICATION_DATABASE_URL,
      AUTH_JWKS_URL: config.AUTH_JWKS_URL,
      AUTH_GRPC_TARGET: config.AUTH_GRPC_TARGET,
      SMTP_URL: config.SMTP_URL,
      EVENTS_EXCHANGE: config.EVENTS_EXCHANGE,
      NOTIFICATION_QUEUE: config.NOTIFICATION_QUEUE,
      UNSUBSCRIBE_SECRET: config.UNSUBSCRIBE_SECRET,
      MAIL_POLL_INTERVAL_MS: "100",
      REMINDER_INTERVAL_SECONDS: "3600",
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: "100",
      ...env.stack.ca.envFor("notification"),
    },
  });
});
afterAll(async () => {
  await sender?.stop();
  receiver?.stop();
  await env?.stop();
});

test("the smtp send span is a client span whose parent is the delivery's stored traceparent", async () => {
  const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
  const parentId = "00f067aa0ba902b7";
  const id = await env.queue(
    {
      to: { userId: bob.id },
      kind: "reminder",
      content: hangoutContent({ title: "Traced" }),
      traceparent: `00-${traceId}-${parentId}-01`,
    },
    { wake: false },
  );
  await env.sink.waitFor((m) => m.subject.startsWith('Reminder: "Traced"'));
  await env.until(id, (r) => r.status === "sent");

  const deadline = Date.now() + 10_000;
  let span = receiver.spans.find((s) => s.name === "smtp send");
  while (!span && Date.now() < deadline) {
    await Bun.sleep(50);
    span = receiver.spans.find((s) => s.name === "smtp send");
  }
  expect(span).toMatchObject({
    traceId,
    parentSpanId: parentId,
    kind: 3, // CLIENT
    service: "notification",
    attributes: { "notification.kind": "reminder", "notification.delivery_id": id },
  });
  // Nothing about the recipient rides in the trace.
  expect(receiver.raw()).not.toContain(bob.email);
});
