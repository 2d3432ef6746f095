/**
 * `bun scripts/dev.ts` as a developer runs it, in a copy of the repository (so a route can be
 * edited), on free ports and throwaway databases: every URL it prints answers, an edited route is
 * served by `bun --watch` without a restart by hand, and SIGINT stops every process it started.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { createTestDatabase, type TestDatabase } from "@hangout/platform/testing/database";
import { copyRepository, REPO_ROOT, type RepoCopy } from "./repo-copy.ts";

const WAIT_MS = 60_000;

let copy: RepoCopy | undefined;
let databases: TestDatabase[] = [];
let dev: Bun.Subprocess<"ignore", "pipe", "pipe"> | undefined;
let stdout = "";
let stderr = "";
const ports: Record<string, number> = {};

async function freePorts(count: number): Promise<number[]> {
  // Held open together so no two are the same; closed just before dev.ts starts.
  const listeners = Array.from({ length: count }, () =>
    Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } }),
  );
  const found = listeners.map((listener) => listener.port);
  for (const listener of listeners) listener.stop(true);
  return found;
}

/** The step-ca that `npm test` made sure of; the copy's empty .data would otherwise rebuild it. */
function stepCaBinary(): string {
  const run = Bun.spawnSync(["bash", join(REPO_ROOT, "scripts", "ensure-step-ca.sh")], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const binary = run.stdout.toString().trim().split("\n").pop();
  if (run.exitCode !== 0 || !binary) throw new Error(`no step-ca: ${run.stderr.toString()}`);
  return binary;
}

async function drain(stream: ReadableStream<Uint8Array>, append: (text: string) => void) {
  const decoder = new TextDecoder();
  for await (const chunk of stream) append(decoder.decode(chunk, { stream: true }));
}

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

async function accepts(host: string, port: number): Promise<boolean> {
  try {
    const socket = await Bun.connect({ hostname: host, port, socket: { data() {} } });
    socket.end();
    return true;
  } catch {
    return false;
  }
}

/** Every process below `root`, read from /proc (children of children included). */
async function descendants(root: number): Promise<number[]> {
  const parents = new Map<number, number>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    // The command name (field 2) may hold spaces; the parent pid is the second field after it.
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    parents.set(Number(entry), ppid);
  }
  const found: number[] = [];
  const walk = (pid: number) => {
    for (const [child, parent] of parents) {
      if (parent === pid) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(root);
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

beforeAll(async () => {
  const binary = stepCaBinary();
  copy = await copyRepository({ linkNodeModules: true });
  databases = await Promise.all(["auth", "file", "hangout"].map(() => createTestDatabase()));
  const names = [
    "AUTH_PORT",
    "AUTH_GRPC_PORT",
    "FILE_HTTP_PORT",
    "FILE_GRPC_PORT",
    "HANGOUT_PORT",
    "S3_LOCAL_PORT",
    "STEP_CA_PORT",
  ];
  const free = await freePorts(names.length);
  names.forEach((name, i) => {
    ports[name] = free[i]!;
  });
  // Only what this test sets: none of the runner's service settings may leak into dev.ts.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !/^(AUTH|FILE|HANGOUT|S3|STEP_CA|LOCAL_CA|OTEL|DEPLOY|LOG)_/.test(key),
    ),
  );
  const { STEP_CA_PORT, ...servicePorts } = ports;
  const [auth, file, hangout] = databases;
  dev = Bun.spawn(["bun", "scripts/dev.ts"], {
    cwd: copy.dir,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    detached: true, // its own process group, so a failed run can be cleaned up as a whole
    env: {
      ...inherited,
      ...Object.fromEntries(Object.entries(servicePorts).map(([k, v]) => [k, String(v)])),
      STEP_CA_ADDRESS: `127.0.0.1:${STEP_CA_PORT}`,
      AUTH_DATABASE_URL: auth!.url,
      FILE_DATABASE_URL: file!.url,
      HANGOUT_DATABASE_URL: hangout!.url,
      PATH: `${dirname(binary)}:${process.env.PATH}`,
    },
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

      // Not a terminal: the services' lines are their JSON, unchanged.
      const logged = stdout
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as { service?: string });
      expect(new Set(logged.map((line) => line.service))).toEqual(
        new Set(["auth", "file", "hangout"]),
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
      expect(children.length).toBeGreaterThanOrEqual(3);
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
});
