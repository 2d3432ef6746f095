/**
 * `bun scripts/dev.ts` as a developer runs it, in a copy of the repository (so a route can be
 * edited), on free ports, throwaway databases and an exchange and queue of its own: every URL it
 * prints answers, an invitation reaches the mail sink as an email, an edited route is served by
 * `bun --watch` without a restart by hand, and SIGINT stops every process it started. A taken
 * mail sink port stops it at once, naming the variable to change.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { dirname, join } from "node:path";
import { cleanUp } from "@hangout/platform/inbox/inbox.fixture";
import { createTestDatabase, type TestDatabase } from "@hangout/platform/testing/database";
import {
  accepts,
  alive,
  clamdSocket,
  descendants,
  drain,
  freePorts,
  invite,
  stepCaBinary,
} from "./dev.fixture.ts";
import { copyRepository, type RepoCopy } from "./repo-copy.ts";

const WAIT_MS = 60_000;

let copy: RepoCopy | undefined;
let databases: TestDatabase[] = [];
let dev: Bun.Subprocess<"ignore", "pipe", "pipe"> | undefined;
let stdout = "";
let stderr = "";
let devEnv: Record<string, string | undefined> = {};
const ports: Record<string, number> = {};
// The events of this run only: nothing another run or a developer's `npm run dev` consumes.
const tag = `${Date.now().toString(36)}.${crypto.randomUUID().slice(0, 8)}`;
const broker = { exchange: `test.dev.${tag}`, queue: `test.dev.${tag}.notification` };
const hangoutQueue = `test.dev.${tag}.hangout`;
const mediaQueue = `test.dev.${tag}.media`;

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (dev?.exitCode !== null && dev?.exitCode !== undefined) break;
    await Bun.sleep(250);
  }
  throw new Error(
    `${what}: not within ${WAIT_MS} ms (${last ?? "no answer"})\n--- stdout\n${stdout.slice(-4000)}\n--- stderr\n${stderr.slice(-4000)}`,
  );
}

async function answers(url: string): Promise<number | undefined> {
  const response = await fetch(url, {
    tls: { rejectUnauthorized: false }, // step-ca's own root; reachability is what counts here
    signal: AbortSignal.timeout(5000),
  });
  await response.arrayBuffer();
  return response.status < 500 ? response.status : undefined;
}

beforeAll(async () => {
  const binary = stepCaBinary();
  const clamd = clamdSocket();
  copy = await copyRepository({ linkNodeModules: true });
  databases = await Promise.all(
    ["auth", "file", "hangout", "notification"].map(() => createTestDatabase()),
  );
  const names = [
    "AUTH_PORT",
    "AUTH_GRPC_PORT",
    "FILE_HTTP_PORT",
    "FILE_GRPC_PORT",
    "HANGOUT_PORT",
    "NOTIFICATION_PORT",
    "MEDIA_HTTP_PORT",
    "S3_LOCAL_PORT",
    "SMTP_LOCAL_PORT",
    "SMTP_LOCAL_HTTP_PORT",
    "STEP_CA_PORT",
    "WEB_PORT",
  ];
  const free = await freePorts(names.length);
  names.forEach((name, i) => {
    ports[name] = free[i]!;
  });
  // Only what this test sets: none of the runner's service settings may leak into dev.ts.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) =>
        !/^(AUTH|FILE|HANGOUT|NOTIFICATION|MEDIA|CLAMD|S3|SMTP|MAIL|EVENTS|STEP_CA|LOCAL_CA|OTEL|DEPLOY|LOG)_/.test(
          key,
        ),
    ),
  );
  const { STEP_CA_PORT, ...servicePorts } = ports;
  const [auth, file, hangout, notification] = databases;
  devEnv = {
    ...inherited,
    ...Object.fromEntries(Object.entries(servicePorts).map(([k, v]) => [k, String(v)])),
    STEP_CA_ADDRESS: `127.0.0.1:${STEP_CA_PORT}`,
    AUTH_DATABASE_URL: auth!.url,
    FILE_DATABASE_URL: file!.url,
    HANGOUT_DATABASE_URL: hangout!.url,
    NOTIFICATION_DATABASE_URL: notification!.url,
    EVENTS_EXCHANGE: broker.exchange,
    NOTIFICATION_QUEUE: broker.queue,
    HANGOUT_EVENTS_QUEUE: hangoutQueue,
    MEDIA_QUEUE: mediaQueue,
    CLAMD_SOCKET: clamd,
    PATH: `${dirname(binary)}:${process.env.PATH}`,
  };
  dev = Bun.spawn(["bun", "scripts/dev.ts"], {
    cwd: copy.dir,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    detached: true, // its own process group, so a failed run can be cleaned up as a whole
    env: devEnv,
  });
  void drain(dev.stdout, (text) => {
    stdout += text;
  });
  void drain(dev.stderr, (text) => {
    stderr += text;
  });
}, WAIT_MS);

afterAll(async () => {
  if (dev && dev.exitCode === null && dev.signalCode === null) {
    try {
      process.kill(-dev.pid, "SIGKILL");
    } catch {}
    await dev.exited;
  }
  await Promise.all(databases.map((database) => database.drop()));
  // The consumer's queues (the platform's default retry delays) and the run's exchange.
  await cleanUp(broker).catch(() => undefined);
  for (const queue of [hangoutQueue, mediaQueue])
    await cleanUp({ exchange: broker.exchange, queue }).catch(() => undefined);
  await copy?.remove();
}, WAIT_MS);

describe("npm run dev (scripts/dev.ts)", () => {
  test(
    "serves every printed URL, hot-reloads an edited route and stops cleanly on SIGINT",
    async () => {
      const banner = await until("the banner with every URL", async () => {
        const end = stdout.indexOf("Ctrl-C stops everything.");
        return end === -1 ? undefined : stdout.slice(stdout.indexOf("is starting:"), end);
      });
      const printed = [...banner.matchAll(/^ {2}\S+ +(https?:\/\/\S+|localhost:\d+)/gm)].map(
        (match) => match[1]!,
      );
      // Every overridden port is where dev.ts says things are: nothing fell back to a default.
      for (const port of Object.values(ports)) expect(banner).toContain(`:${port}`);

      for (const url of printed) {
        if (url.startsWith("localhost:")) {
          const port = Number(url.split(":")[1]);
          await until(`gRPC port ${port} accepting`, async () =>
            (await accepts("localhost", port)) ? true : undefined,
          );
        } else {
          await until(`${url} answering`, () => answers(url));
        }
      }

      // The web app, with the API on its own origin (issue 20): the page, and auth behind it.
      const web = `http://localhost:${ports.WEB_PORT}`;
      expect(printed[0]).toBe(web);
      const page = await fetch(web, { signal: AbortSignal.timeout(5000) });
      expect(await page.text()).toContain('<div id="app">');
      const anonymous = await fetch(`${web}/auth/me`, { signal: AbortSignal.timeout(5000) });
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get("content-type")).toContain("application/problem+json");
      await anonymous.arrayBuffer();

      // The mail sink: its page and Mailpit's read API, where the notification service sends.
      const mailPage = `http://127.0.0.1:${ports.SMTP_LOCAL_HTTP_PORT}`;
      expect(printed).toContain(mailPage);
      expect(printed).toContain(`${mailPage}/api/v1/messages`);
      expect(banner).toContain(`smtp://127.0.0.1:${ports.SMTP_LOCAL_PORT}`);
      expect(banner).toMatch(/^ {2}broker +amqp:\/\/[^@\s]+:\d+ /m); // no credentials printed
      const notificationBase = `http://127.0.0.1:${ports.NOTIFICATION_PORT}`;
      expect(printed).toEqual(
        expect.arrayContaining([`${notificationBase}/docs`, `${notificationBase}/metrics`]),
      );
      // The media worker: ready means its queue, the bucket and clamd (on the socket printed).
      const mediaBase = `http://127.0.0.1:${ports.MEDIA_HTTP_PORT}`;
      expect(printed).toEqual(expect.arrayContaining([`${mediaBase}/readyz`, `${mediaBase}/docs`]));
      expect(banner).toContain(`${devEnv.CLAMD_SOCKET} (media scans uploads here)`);
      const readiness = await fetch(`${mediaBase}/readyz`, { signal: AbortSignal.timeout(5000) });
      const { checks } = (await readiness.json()) as { checks: Record<string, string> };
      expect(checks.scanner).toBe("ok");
      const messages = async () => {
        const response = await fetch(`${mailPage}/api/v1/messages`, {
          signal: AbortSignal.timeout(5000),
        });
        return (await response.json()) as { messages: { To: { Address: string }[] }[] };
      };
      expect((await messages()).messages).toEqual([]);

      // An invitation travels hangout → broker → notification → auth (gRPC, mTLS) → SMTP → sink.
      const friend = `friend.${tag}@example.com`;
      await invite(
        `http://127.0.0.1:${ports.AUTH_PORT}`,
        `http://127.0.0.1:${ports.HANGOUT_PORT}`,
        {
          owner: `owner.${tag}@example.com`,
          friend,
        },
      );
      await until("the invitation email in the mail sink", async () => {
        const { messages: found } = await messages();
        return found.some((m) => m.To.some((to) => to.Address === friend)) ? true : undefined;
      });

      // Not a terminal: the services' lines are their JSON, unchanged.
      const logged = stdout
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as { service?: string });
      expect(new Set(logged.map((line) => line.service))).toEqual(
        new Set(["auth", "file", "hangout", "notification", "media"]),
      );

      // An edit to a route in the copy is served by the restarted service.
      const jwksUrl = printed.find((url) => url.endsWith("/.well-known/jwks.json"))!;
      const cacheControl = async () =>
        (await fetch(jwksUrl, { signal: AbortSignal.timeout(5000) })).headers.get("cache-control");
      expect(await cacheControl()).toBe("public, max-age=300");
      const route = join(copy!.dir, "services", "auth", "src", "routes", "jwks.ts");
      const source = await Bun.file(route).text();
      expect(source).toContain('"public, max-age=300"');
      await Bun.write(route, source.replace('"public, max-age=300"', '"public, max-age=299"'));
      await until("the edited jwks route served", async () =>
        (await cacheControl().catch(() => null)) === "public, max-age=299" ? true : undefined,
      );

      const children = await descendants(dev!.pid);
      expect(children.length).toBeGreaterThanOrEqual(5);
      process.kill(dev!.pid, "SIGINT");
      const code = await Promise.race([dev!.exited, Bun.sleep(WAIT_MS).then(() => "timed out")]);
      expect({ code, stderr: code === 0 ? "" : stderr }).toEqual({ code: 0, stderr: "" });

      const left = await until("every child gone", async () => {
        const running = children.filter(alive);
        return running.length === 0 ? running : undefined;
      }).catch(() => children.filter(alive));
      expect(left).toEqual([]);
      for (const port of Object.values(ports)) {
        expect({ port, open: await accepts("127.0.0.1", port) }).toEqual({ port, open: false });
        expect({ port, open: await accepts("::1", port) }).toEqual({ port, open: false });
      }
    },
    4 * WAIT_MS,
  );

  test(
    "a taken mail sink port stops it at once, naming the variable to change",
    async () => {
      const taken = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
      const run = Bun.spawn(["bun", "scripts/dev.ts"], {
        cwd: copy!.dir,
        stdin: "ignore",
        stdout: "pipe",
        stderr: "pipe",
        detached: true,
        env: { ...devEnv, SMTP_LOCAL_HTTP_PORT: String(taken.port) },
      });
      try {
        const code = await Promise.race([run.exited, Bun.sleep(WAIT_MS / 2).then(() => "running")]);
        if (code === "running") process.kill(-run.pid, "SIGKILL");
        const [out, err] = await Promise.all([
          new Response(run.stdout).text(),
          new Response(run.stderr).text(),
        ]);
        expect({ code, err }).toEqual({
          code: 1,
          err: expect.stringContaining(
            `127.0.0.1:${taken.port} is taken; stop what listens there or set SMTP_LOCAL_HTTP_PORT`,
          ),
        });
        // it stopped before starting anything: no banner
        expect(out).not.toContain("is starting:");
      } finally {
        try {
          process.kill(-run.pid, "SIGKILL");
        } catch {}
        taken.stop(true);
      }
    },
    WAIT_MS,
  );
});
