import { afterAll, beforeAll, expect, test } from "bun:test";
import net from "node:net";
import { type ChannelModel, type ConfirmChannel, connect } from "amqplib";
import { createLogger } from "../logger.ts";
import { testAmqpUrl, until } from "../outbox/outbox.fixture.ts";
import { startTcpProxy } from "../outbox/tcp-proxy.fixture.ts";
import { createFanoutSubscriber, type FanoutSubscriber } from "./fanout.ts";

const logger = createLogger({ service: "live-test", level: "silent" });
const broker = new URL(testAmqpUrl);
const brokerAddress = { host: broker.hostname, port: Number(broker.port || 5672) };
/** An exchange of its own per run, deleted at the end, so runs never see each other's messages. */
const exchange = `test.live.${Date.now().toString(36)}.${crypto.randomUUID()}`;
const fast = { initial: 20, max: 200 };

let publisher: { model: ChannelModel; channel: ConfirmChannel };

beforeAll(async () => {
  const model = await connect(testAmqpUrl);
  const channel = await model.createConfirmChannel();
  await channel.assertExchange(exchange, "topic", { durable: true });
  publisher = { model, channel };
});

afterAll(async () => {
  await publisher.channel.deleteExchange(exchange).catch(() => undefined);
  await publisher.model.close();
});

const publish = async (routingKey: string, n: number) => {
  publisher.channel.publish(exchange, routingKey, Buffer.from(JSON.stringify({ n })), {
    headers: { "x-n": n },
  });
  await publisher.channel.waitForConfirms();
};

const through = (port: number) => {
  const url = new URL(testAmqpUrl);
  url.hostname = "127.0.0.1";
  url.port = String(port);
  return url.toString();
};

const problemOf = (subscriber: FanoutSubscriber) =>
  subscriber.readiness.check().then(
    () => undefined,
    (error: Error) => error.message,
  );

/** A subscriber recording what it receives and how often it (re)connected. */
function recording(url: string, bindings: string[]) {
  const received: { routingKey: string; n: number; header: unknown }[] = [];
  const state = { connected: 0 };
  const subscriber = createFanoutSubscriber({
    url,
    exchange,
    bindings,
    logger,
    reconnectDelayMs: fast,
    onMessage(routingKey, content, headers) {
      received.push({ routingKey, n: JSON.parse(content.toString()).n, header: headers["x-n"] });
    },
    onConnected() {
      state.connected++;
    },
  });
  return { subscriber, received, state, ns: () => received.map((m) => m.n) };
}

/** A local listener counting connection attempts: forwards to the broker, or hangs up at once. */
async function countingListener(mode: "forward" | "hang-up") {
  const accepted = { count: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    accepted.count++;
    if (mode === "hang-up") return void client.destroy();
    const upstream = net.connect(brokerAddress.port, brokerAddress.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => undefined);
      socket.on("close", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    accepted,
    port: (server.address() as net.AddressInfo).port,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

test("every subscriber receives every bound message once, in publish order", async () => {
  const bindings = ["t1.a.*", "t1.b"];
  const one = recording(testAmqpUrl, bindings);
  const two = recording(testAmqpUrl, bindings);
  try {
    one.subscriber.start();
    two.subscriber.start();
    await until(() => one.state.connected === 1 && two.state.connected === 1, 5000, "connected");
    expect(await problemOf(one.subscriber)).toBeUndefined();

    const keys = ["t1.a.x", "t1.b", "t1.c", "t1.a.y", "t1.a", "t1.b", "t1.a.z.deeper", "t1.a.x"];
    const expected: number[] = [];
    for (let n = 0; n < 40; n++) {
      const key = keys[n % keys.length]!;
      await publish(key, n);
      if (key === "t1.b" || /^t1\.a\.[^.]+$/.test(key)) expected.push(n);
    }
    // One queue per subscriber keeps publish order: an unbound message routed to it would
    // have arrived before the last bound one.
    const last = expected.at(-1);
    await until(() => one.ns().at(-1) === last && two.ns().at(-1) === last, 5000, "all messages");
    await Bun.sleep(100);
    for (const { received, ns } of [one, two]) {
      expect(ns()).toEqual(expected);
      expect(received.every((m) => m.header === m.n)).toBe(true);
      expect(received[1]?.routingKey).toBe("t1.b");
    }
  } finally {
    await Promise.all([one.subscriber.stop(), two.subscriber.stop()]);
  }
});

test("a dropped connection: not ready while down, then reconnects, catches up, receives again", async () => {
  const proxy = await startTcpProxy(brokerAddress);
  const live = recording(through(proxy.port), ["t2.#"]);
  try {
    live.subscriber.start();
    await until(() => live.state.connected === 1, 5000, "connected");
    await publish("t2.x", 1);
    await until(() => live.ns().includes(1), 5000, "message 1");

    await proxy.cut();
    await until(async () => !!(await problemOf(live.subscriber)), 5000, "not ready");
    // Published while this replica has no queue: lost, which is what onConnected is for.
    await publish("t2.x", 2);
    // Several failed attempts against the refused port keep it unready.
    await Bun.sleep(300);
    expect(await problemOf(live.subscriber)).toMatch(/^(connection closed|broker unreachable)/);
    expect(live.state.connected).toBe(1);

    await proxy.restore();
    await until(() => live.state.connected === 2, 5000, "reconnected");
    expect(await problemOf(live.subscriber)).toBeUndefined();
    await publish("t2.x", 3);
    await until(() => live.ns().includes(3), 5000, "message 3");
    expect(live.ns()).toEqual([1, 3]);
  } finally {
    await live.subscriber.stop();
    await proxy.stop();
  }
}, 20_000);

test("stop() ends it: nothing received after, no reconnect, not ready; idempotent", async () => {
  const listener = await countingListener("forward");
  const live = recording(through(listener.port), ["t3.#"]);
  try {
    live.subscriber.start();
    await until(() => live.state.connected === 1, 5000, "connected");
    await publish("t3.x", 1);
    await until(() => live.ns().includes(1), 5000, "message 1");

    await live.subscriber.stop();
    await publish("t3.x", 2);
    await Bun.sleep(300);
    expect(live.ns()).toEqual([1]);
    expect(listener.accepted.count).toBe(1);
    expect(live.state.connected).toBe(1);
    expect(await problemOf(live.subscriber)).toBe("stopped");
    await live.subscriber.stop();
    live.subscriber.start();
    await Bun.sleep(100);
    expect(listener.accepted.count).toBe(1);
  } finally {
    await live.subscriber.stop();
    await listener.close();
  }
});

test("stop() during the reconnect back-off ends the attempts at once", async () => {
  const listener = await countingListener("hang-up");
  const live = recording(through(listener.port), ["t4.#"]);
  try {
    live.subscriber.start();
    await until(() => listener.accepted.count >= 3, 5000, "several attempts");
    expect(await problemOf(live.subscriber)).toStartWith("broker unreachable:");
    const started = performance.now();
    await live.subscriber.stop();
    expect(performance.now() - started).toBeLessThan(1000);
    const attempts = listener.accepted.count;
    await Bun.sleep(500);
    expect(listener.accepted.count).toBe(attempts);
    expect(live.state.connected).toBe(0);
    expect(await problemOf(live.subscriber)).toBe("stopped");
  } finally {
    await listener.close();
  }
});
