import { connect, type NetConnectOpts, type Socket } from "node:net";

/**
 * Virus scanning through clamd's INSTREAM command, before any decode
 * (docs/decisions/0018-photo-pipeline.md, "Scanning"). Written on node:net rather than on an npm
 * client: `clamscan` probes for (and runs) local ClamAV binaries when it starts and leaves a scan
 * pending forever when clamd stops answering, and `clamdjs` cannot use a UNIX socket.
 */
export type ScanResult = { clean: true } | { clean: false; signature: string };

export interface Scanner {
  /** Clean or the signature clamd found; ScannerUnavailable when clamd gave no verdict. */
  scan(bytes: Uint8Array): Promise<ScanResult>;
  /** Resolves when clamd answers PING with PONG (readiness); ScannerUnavailable otherwise. */
  ping(): Promise<void>;
}

export interface ScannerOptions {
  /** clamd's LocalSocket; wins over host and port. */
  socket?: string;
  host?: string;
  /** clamd's TCPSocket; 3310 unless given. */
  port?: number;
  /** Bounds a whole exchange: connecting, sending the bytes and waiting for the verdict. */
  timeoutMs: number;
}

/**
 * clamd could not be asked or gave no verdict (unreachable, too slow, refused the stream, e.g.
 * over its StreamMaxLength). Never a reason to treat the bytes as clean.
 */
export class ScannerUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ScannerUnavailable";
  }
}

const DEFAULT_PORT = 3310;
/** clamd reads INSTREAM in chunks; 64 KiB keeps each one well under any StreamMaxLength. */
const CHUNK_BYTES = 64 * 1024;
/** Enough of an unexpected reply to recognise it in a log, never a whole stream. */
const REPLY_EXCERPT = 200;

export function createScanner(options: ScannerOptions): Scanner {
  let target: NetConnectOpts;
  let where: string;
  if (options.socket) {
    target = { path: options.socket };
    where = options.socket;
  } else if (options.host) {
    const port = options.port ?? DEFAULT_PORT;
    target = { host: options.host, port };
    where = `${options.host}:${port}`;
  } else {
    throw new TypeError("createScanner needs a socket or a host");
  }
  const ask = (command: string, body?: Uint8Array) =>
    exchange(target, where, options.timeoutMs, command, body);

  return {
    async scan(bytes) {
      const reply = await ask("zINSTREAM\0", bytes);
      if (reply === "stream: OK") return { clean: true };
      const found = /^stream: (.+) FOUND$/.exec(reply);
      if (found) return { clean: false, signature: found[1]! };
      if (reply.endsWith(" ERROR")) {
        throw new ScannerUnavailable(`clamd at ${where} refused the scan: ${excerpt(reply)}`);
      }
      throw new ScannerUnavailable(`clamd at ${where} answered the scan with: ${excerpt(reply)}`);
    },
    async ping() {
      const reply = await ask("zPING\0");
      if (reply !== "PONG") {
        throw new ScannerUnavailable(`clamd at ${where} answered PING with: ${excerpt(reply)}`);
      }
    },
  };
}

function excerpt(reply: string): string {
  return JSON.stringify(reply.slice(0, REPLY_EXCERPT));
}

/**
 * One z-command on its own connection (clamd closes it after answering): the reply up to its
 * terminating NUL. Every way this can go wrong ends in ScannerUnavailable within timeoutMs, and
 * the socket is destroyed once the promise settles.
 */
function exchange(
  target: NetConnectOpts,
  where: string,
  timeoutMs: number,
  command: string,
  body?: Uint8Array,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(target);
    const received: Buffer[] = [];
    let settled = false;
    const settle = (outcome: { reply: string } | { error: ScannerUnavailable }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if ("reply" in outcome) resolve(outcome.reply);
      else reject(outcome.error);
    };
    const fail = (message: string) =>
      settle({ error: new ScannerUnavailable(`clamd at ${where} ${message}`) });
    const timer = setTimeout(() => fail(`did not answer within ${timeoutMs} ms`), timeoutMs);

    socket.on("connect", () => {
      send(socket, command, body, () => settled).catch(() => {
        // A write that fails also emits "error" (or clamd already answered): handled there.
      });
    });
    socket.on("data", (chunk: Buffer) => {
      received.push(chunk);
      const all = Buffer.concat(received);
      const end = all.indexOf(0);
      if (end >= 0) settle({ reply: all.subarray(0, end).toString("utf8").trim() });
    });
    socket.on("end", () => {
      const all = Buffer.concat(received);
      if (all.length > 0) settle({ reply: all.toString("utf8").trim() });
      else fail("closed the connection without an answer");
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      fail(`is unreachable (${error.code ?? error.message})`);
    });
    socket.on("close", () => fail("closed the connection without an answer"));
  });
}

/** The command, then the body as length-prefixed chunks and a zero-length end, with backpressure. */
async function send(
  socket: Socket,
  command: string,
  body: Uint8Array | undefined,
  stopped: () => boolean,
): Promise<void> {
  socket.write(command);
  if (!body) return;
  for (let offset = 0; offset < body.length; offset += CHUNK_BYTES) {
    // clamd answers early (and closes) when the stream goes over its limit: stop writing then.
    if (stopped()) return;
    const chunk = body.subarray(offset, offset + CHUNK_BYTES);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(chunk.length);
    socket.write(length);
    if (!socket.write(chunk)) await drained(socket);
  }
  if (!stopped()) socket.write(Buffer.alloc(4));
}

function drained(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off("drain", done);
      socket.off("close", done);
      resolve();
    };
    socket.on("drain", done);
    socket.on("close", done);
  });
}
