/**
 * The INSTREAM client against the real clamd that scripts/ensure-clamav.sh starts (or reuses),
 * whose database holds only the project's test signature and EICAR's; over its UNIX socket and
 * over TCP. Anything short of a verdict must throw ScannerUnavailable, never come back clean.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createScanner, type Scanner, ScannerUnavailable } from "../src/repositories/scanner.ts";

const REPO_ROOT = resolve(import.meta.dir, "..", "..", "..");
const SOCKET = process.env.CLAMD_SOCKET ?? "/tmp/hangout-clamd/clamd.sock";
const PORT = Number(process.env.CLAMD_PORT ?? 3310);
const TIMEOUT_MS = 10_000;
const MiB = 1024 * 1024;

const MARKER = new TextEncoder().encode("HANGOUT-PLANNER-TEST-SIGNATURE-7f3a9c");
/** Assembled here, reversed in the source, so this file is no EICAR match for a real scanner. */
const EICAR = new TextEncoder().encode(
  [..."*H+H$!ELIF-TSET-SURIVITNA-DRADNATS-RACIE$}7)CC7)^P(45XZP\\4[PA@%P!O5X"].reverse().join(""),
);

function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  // getRandomValues fills at most 64 KiB per call.
  for (let offset = 0; offset < length; offset += 65_536) {
    crypto.getRandomValues(bytes.subarray(offset, offset + 65_536));
  }
  return bytes;
}

/** A JPEG's start and end markers around random bytes, with `insert` at `at` when given. */
function jpegLike(length: number, insert?: Uint8Array, at = 1000): Uint8Array {
  const bytes = randomBytes(length);
  bytes.set([0xff, 0xd8, 0xff, 0xe0], 0);
  bytes.set([0xff, 0xd9], length - 2);
  if (insert) bytes.set(insert, at);
  return bytes;
}

/** A socket path nothing listens on, and a local TCP port nothing listens on. */
let scratch: string;
let closedPort: number;
const servers: Server[] = [];
const held: Socket[] = [];

/** A fake clamd on a socket of its own: `reply` gets each connection's first data. */
async function fakeClamd(name: string, reply: (socket: Socket) => void): Promise<string> {
  const path = join(scratch, name);
  // Half-open like clamd, which keeps its end open while it works on a stream.
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    held.push(socket);
    socket.once("data", () => reply(socket));
    socket.on("error", () => {});
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(path, done));
  return path;
}

beforeAll(async () => {
  const run = Bun.spawnSync(["bash", join(REPO_ROOT, "scripts", "ensure-clamav.sh")], {
    env: { ...process.env, CLAMD_SOCKET: SOCKET, CLAMD_PORT: String(PORT) },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  if (run.exitCode !== 0) {
    throw new Error(`ensure-clamav.sh failed: ${run.stdout.toString()}${run.stderr.toString()}`);
  }
  scratch = await mkdtemp(join(tmpdir(), "hangout-scanner-"));
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  closedPort = probe.port;
  probe.stop(true);
}, 120_000);

afterAll(async () => {
  for (const socket of held) socket.destroy();
  await Promise.all(servers.map((server) => new Promise((done) => server.close(done))));
  await rm(scratch, { recursive: true, force: true });
});

const transports: [string, () => Scanner][] = [
  ["UNIX socket", () => createScanner({ socket: SOCKET, timeoutMs: TIMEOUT_MS })],
  ["TCP", () => createScanner({ host: "127.0.0.1", port: PORT, timeoutMs: TIMEOUT_MS })],
];

describe.each(transports)("over clamd's %s", (_, make) => {
  test("PING is answered", async () => {
    await expect(make().ping()).resolves.toBeUndefined();
  });

  test("a JPEG carrying the test marker is infected, named by the project's signature", async () => {
    const result = await make().scan(jpegLike(200_000, MARKER));
    expect(result.clean).toBe(false);
    if (!result.clean) expect(result.signature).toStartWith("Hangout.Test.Infected");
  });

  test("the EICAR test file is infected", async () => {
    const result = await make().scan(EICAR);
    expect(result.clean).toBe(false);
    if (!result.clean) expect(result.signature).toStartWith("Eicar-Test-Signature");
  });

  test("random bytes are clean", async () => {
    expect(await make().scan(randomBytes(300_000))).toEqual({ clean: true });
  });

  test("an upload of the largest size (10 MiB) is scanned in full", async () => {
    const scanner = make();
    expect(await scanner.scan(jpegLike(10 * MiB))).toEqual({ clean: true });
    // Straddling a chunk boundary, near the end: found only if every chunk reached clamd.
    const late = jpegLike(10 * MiB, MARKER, 10 * MiB - 65_536 - 10);
    expect(await scanner.scan(late)).toMatchObject({ clean: false });
  }, 30_000);

  test("a stream over clamd's StreamMaxLength is refused, not passed as clean", async () => {
    const scan = make().scan(randomBytes(20 * MiB));
    await expect(scan).rejects.toBeInstanceOf(ScannerUnavailable);
  }, 30_000);
});

describe("without a verdict from clamd", () => {
  test("a socket nothing listens on fails at once", async () => {
    const started = performance.now();
    const scanner = createScanner({ socket: join(scratch, "absent.sock"), timeoutMs: TIMEOUT_MS });
    await expect(scanner.scan(MARKER)).rejects.toBeInstanceOf(ScannerUnavailable);
    await expect(scanner.ping()).rejects.toThrow(/absent\.sock is unreachable/);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  test("a TCP port nothing listens on fails at once", async () => {
    const started = performance.now();
    const scanner = createScanner({ host: "127.0.0.1", port: closedPort, timeoutMs: TIMEOUT_MS });
    await expect(scanner.scan(MARKER)).rejects.toThrow(/ECONNREFUSED/);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  test("a clamd that never answers times out", async () => {
    const socket = await fakeClamd("silent.sock", () => {});
    const scanner = createScanner({ socket, timeoutMs: 300 });
    const started = performance.now();
    await expect(scanner.scan(randomBytes(1000))).rejects.toThrow(/did not answer within 300 ms/);
    await expect(scanner.ping()).rejects.toBeInstanceOf(ScannerUnavailable);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  test("a connection closed without an answer, or an answer that is no verdict, throws", async () => {
    const hangUp = await fakeClamd("hang-up.sock", (socket) => socket.destroy());
    const odd = await fakeClamd("odd.sock", (socket) => socket.end("stream: maybe\0"));
    for (const socket of [hangUp, odd]) {
      const scan = createScanner({ socket, timeoutMs: TIMEOUT_MS }).scan(randomBytes(1000));
      await expect(scan).rejects.toBeInstanceOf(ScannerUnavailable);
    }
  });

  test("a scanner needs a socket or a host", () => {
    expect(() => createScanner({ timeoutMs: TIMEOUT_MS })).toThrow(TypeError);
  });
});
