/**
 * scripts/ensure-rabbitmq.sh for real: against the broker `npm test` made sure of, a second run is
 * quiet and quick; on a free port it starts a broker of its own (a second node, beside the usual
 * one), which then takes a real AMQP client's queue, message and get. The script runs as root or
 * through passwordless sudo, as it does in `npm test`.
 */
import { afterAll, expect, test } from "bun:test";
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "./repo-copy.ts";

const SCRIPT = join(REPO_ROOT, "scripts", "ensure-rabbitmq.sh");

/** The part of amqplib used here; it is a dependency of the platform package, not of the root. */
interface AmqpClient {
  connect(url: string): Promise<{
    createChannel(): Promise<{
      assertQueue(name: string, options: { exclusive: boolean }): Promise<{ queue: string }>;
      sendToQueue(queue: string, content: Buffer): boolean;
      get(queue: string, options: { noAck: boolean }): Promise<false | { content: Buffer }>;
    }>;
    close(): Promise<void>;
  }>;
}
const amqp = createRequire(join(REPO_ROOT, "packages", "platform", "package.json"))(
  "amqplib",
) as AmqpClient;

function ensure(env: Record<string, string | undefined>) {
  const started = performance.now();
  const run = Bun.spawnSync(["bash", SCRIPT], {
    env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  return {
    code: run.exitCode,
    output: run.stdout.toString() + run.stderr.toString(),
    ms: performance.now() - started,
  };
}

/** A queue of this connection's own, one message through it and back out. */
async function roundTrip(port: number): Promise<{ sent: string; got: string | undefined }> {
  const connection = await amqp.connect(`amqp://guest:guest@127.0.0.1:${port}`);
  try {
    const channel = await connection.createChannel();
    const { queue } = await channel.assertQueue("", { exclusive: true });
    const sent = `ensure-rabbitmq ${crypto.randomUUID()}`;
    channel.sendToQueue(queue, Buffer.from(sent));
    // Publishing is asynchronous; the message is routed within moments.
    for (let attempt = 0; attempt < 50; attempt++) {
      const message = await channel.get(queue, { noAck: true });
      if (message) return { sent, got: message.content.toString() };
      await Bun.sleep(100);
    }
    return { sent, got: undefined };
  } finally {
    await connection.close();
  }
}

async function freePorts(count: number): Promise<number[]> {
  // Held open together so no two are the same; closed just before the broker binds them.
  const listeners = Array.from({ length: count }, () =>
    Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } }),
  );
  const found = listeners.map((listener) => listener.port);
  for (const listener of listeners) listener.stop(true);
  return found;
}

test("a broker that already answers is reused quietly and takes a real client's message", async () => {
  const port = Number(process.env.AMQP_PORT ?? 5672);
  const first = ensure(process.env);
  expect(first).toMatchObject({ code: 0 });
  const again = ensure(process.env);
  expect(again).toMatchObject({ code: 0, output: "" });
  // Starting a broker takes seconds; reusing one is a single handshake.
  expect(again.ms).toBeLessThan(3000);
  const { sent, got } = await roundTrip(port);
  expect(got).toBe(sent);
}, 120_000);

let dir: string | undefined;
let startedPidFile: string | undefined;

/** The broker runs as the rabbitmq user: a tester who is not root signals it through sudo. */
function terminate(pid: number) {
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    Bun.spawnSync(["sudo", "-n", "kill", "-TERM", String(pid)], { stdin: "ignore" });
  }
}

afterAll(async () => {
  // The script records the broker's launcher, which stops the broker cleanly on SIGTERM and exits
  // after it, also while it is still booting. The node and its files are this test's alone.
  const pid = startedPidFile ? Number(await readFile(startedPidFile, "utf8").catch(() => "")) : 0;
  if (pid > 0) {
    terminate(pid);
    for (let i = 0; i < 150 && (await Bun.file(`/proc/${pid}/stat`).exists()); i++) {
      await Bun.sleep(100);
    }
  }
  if (dir) await rm(dir, { recursive: true, force: true }).catch(() => {});
});

test("with nothing on the port, it starts a broker that answers there", async () => {
  dir = await mkdtemp(join(tmpdir(), "hangout-rabbitmq-"));
  await chmod(dir, 0o755); // the broker runs as the rabbitmq user and keeps its files in here
  const [port, distPort] = await freePorts(2);
  const node = `hangout-test-${process.pid}@localhost`;
  const mnesia = join(dir, "mnesia");
  startedPidFile = join(dir, `hangout-rabbitmq-${port}.pid`);
  // Its own config and plugin list: the machine's may pin port 5672 or enable the management UI.
  const config = join(dir, "rabbitmq.conf");
  await Bun.write(config, `listeners.tcp.1 = 127.0.0.1:${port}\n`);
  const plugins = join(dir, "enabled_plugins");
  await Bun.write(plugins, "[].\n");
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(AMQP|RABBITMQ|ERL)_/.test(key)),
  );
  const env = {
    ...inherited,
    TMPDIR: dir,
    AMQP_PORT: String(port),
    AMQP_START_TIMEOUT: "60",
    RABBITMQ_NODENAME: node,
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_CONFIG_FILE: config,
    RABBITMQ_ENABLED_PLUGINS_FILE: plugins,
    RABBITMQ_MNESIA_BASE: mnesia,
    RABBITMQ_LOG_BASE: join(dir, "log"),
  };

  const first = ensure(env);
  expect(first.output).toContain(`starting RabbitMQ on port ${port}`);
  expect(first.code).toBe(0);
  const again = ensure(env);
  expect(again).toMatchObject({ code: 0, output: "" });
  const { sent, got } = await roundTrip(port!);
  expect(got).toBe(sent);
}, 90_000);
