/**
 * scripts/ensure-clamav.sh for real: against the clamd `npm test` made sure of, a second run is
 * quiet and quick and clamd answers PING on its socket and on TCP; in a directory of its own, on a
 * free port, it starts a second clamd beside the usual one; and it fails loudly, with clamd's log,
 * when clamd cannot start. The script runs as root or through passwordless sudo (for installing).
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { connect, type NetConnectOpts } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "./repo-copy.ts";

const SCRIPT = join(REPO_ROOT, "scripts", "ensure-clamav.sh");

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

/** clamd's reply to a NUL-terminated PING, or the connection error's code. */
function ping(target: NetConnectOpts): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(target, () => socket.write("zPING\0"));
    let reply = "";
    socket.setTimeout(3000, () => socket.destroy(new Error("timeout")));
    socket.on("data", (chunk) => {
      reply += chunk.toString();
    });
    socket.on("close", () => resolve(reply));
    socket.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

async function freePort(): Promise<number> {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

/** The environment without the caller's CLAMD_* settings, which would point at the usual clamd. */
function isolated(extra: Record<string, string>): Record<string, string | undefined> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith("CLAMD_")),
  );
  return { ...inherited, ...extra };
}

test("a clamd that already answers is reused quietly, on its socket and on TCP", async () => {
  const socket = process.env.CLAMD_SOCKET ?? "/tmp/hangout-clamd/clamd.sock";
  const port = Number(process.env.CLAMD_PORT ?? 3310);
  expect(ensure(process.env)).toMatchObject({ code: 0 });
  const again = ensure(process.env);
  expect(again).toMatchObject({ code: 0, output: "" });
  // Starting clamd takes a moment; reusing it is one PING.
  expect(again.ms).toBeLessThan(3000);
  expect(await ping({ path: socket })).toBe("PONG\0");
  expect(await ping({ host: "127.0.0.1", port })).toBe("PONG\0");
}, 120_000);

const dirs: string[] = [];

/** Neither gone nor a zombie (where nothing reaps orphans, a container's PID 1). */
async function running(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  return stat !== "" && stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
}

afterAll(async () => {
  // The clamd started below is this test's alone: its pid file says which it is, and a live
  // process of that pid runs on this directory's config (a dead clamd's pid may be reused).
  for (const dir of dirs) {
    const pid = Number(await readFile(join(dir, "clamd.pid"), "utf8").catch(() => ""));
    const command = pid > 0 ? await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "") : "";
    if (command.includes(join(dir, "clamd.conf"))) {
      process.kill(pid, "SIGTERM");
      for (let i = 0; i < 100 && (await running(pid)); i++) {
        await Bun.sleep(50);
      }
    }
    await rm(dir, { recursive: true, force: true });
  }
});

test("with nothing on its socket and port, it starts a clamd that answers there", async () => {
  const dir = await mkdtemp(join(tmpdir(), "hangout-clamd-"));
  dirs.push(dir);
  const port = await freePort();
  const socket = join(dir, "clamd.sock");
  const env = isolated({ CLAMD_DIR: dir, CLAMD_SOCKET: socket, CLAMD_PORT: String(port) });

  const first = ensure(env);
  expect(first.output).toContain(`clamd answers on ${socket} and 127.0.0.1:${port}`);
  expect(first.code).toBe(0);
  expect(await ping({ path: socket })).toBe("PONG\0");
  expect(await ping({ host: "127.0.0.1", port })).toBe("PONG\0");
  expect(ensure(env)).toMatchObject({ code: 0, output: "" });
  // Its database is the script's alone: no freshclam, no official signatures.
  const log = await readFile(join(dir, "clamd.log"), "utf8");
  expect(log).toContain("Loaded 2 signatures.");
}, 90_000);

test("a port held by something else is named instead of starting a clamd that cannot bind", async () => {
  const dir = await mkdtemp(join(tmpdir(), "hangout-clamd-"));
  dirs.push(dir);
  const holder = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  try {
    const env = isolated({ CLAMD_DIR: dir, CLAMD_PORT: String(holder.port) });
    const run = ensure(env);
    expect(run.code).not.toBe(0);
    expect(run.output).toContain(`something listens on 127.0.0.1:${holder.port}`);
  } finally {
    holder.stop(true);
  }
});

test("a clamd that cannot start fails the script with the end of its log", async () => {
  const dir = await mkdtemp(join(tmpdir(), "hangout-clamd-"));
  dirs.push(dir);
  // Longer than a UNIX socket address can be (108 bytes on Linux): clamd refuses it.
  const socket = join(dir, `${"s".repeat(120)}.sock`);
  const env = isolated({
    CLAMD_DIR: dir,
    CLAMD_SOCKET: socket,
    CLAMD_PORT: String(await freePort()),
  });
  const run = ensure(env);
  expect(run.code).not.toBe(0);
  expect(run.output).toContain(`last lines of ${join(dir, "clamd.log")}`);
}, 90_000);
