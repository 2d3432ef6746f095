import { isAbsolute, join } from "node:path";
import { repoRoot } from "../db.ts";
import { PARSER_HEADER_LIMIT_FLAG } from "../request-limits.ts";

export interface ServiceProcessOptions {
  /** For messages: which service this is. */
  name: string;
  /** The service's entry file, relative to the repository root (`services/auth/src/main.ts`). */
  entry: string;
  /** The service's whole configuration; nothing else of this process's environment is passed. */
  env: Record<string, string>;
  /** The service's HTTP base URL (its port is in `env`, under the service's own variable). */
  url: string;
  /** How long `/readyz` may take to answer 200 before the start fails. */
  readyTimeoutMs?: number;
  /** How long a stop waits after SIGTERM before SIGKILL. */
  stopTimeoutMs?: number;
}

export interface ServiceProcess {
  name: string;
  url: string;
  /** Everything the process wrote so far, stdout and stderr, in the order it arrived. */
  output(): string;
  /** SIGTERM, then SIGKILL past the bound; the exit code, null when a signal ended it. Idempotent. */
  stop(): Promise<number | null>;
  /** SIGKILL now, without yielding first (crash tests kill at an exact point). */
  killNow(): void;
  /** The signal that ended the process (null for a normal exit), once it ended. */
  exited: Promise<NodeJS.Signals | null>;
}

/** Environment every child needs to run at all, whatever the service. */
const baseEnv = () => {
  const env: Record<string, string> = {};
  for (const name of ["PATH", "HOME", "TMPDIR", "LANG"]) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
};

const tail = (text: string, length = 4000) =>
  text.length > length ? `…${text.slice(-length)}` : text;

/**
 * Starts a service as its own process, from its entry file by path (`bun <entry>`, as
 * `scripts/dev.ts` does without `--watch`), and resolves once its `/readyz` answers 200. Its output
 * is kept for failure messages, never printed. A process that exits or does not become ready in
 * time is killed and the start fails with its output.
 */
export async function startServiceProcess(options: ServiceProcessOptions): Promise<ServiceProcess> {
  const { name, url, readyTimeoutMs = 30_000, stopTimeoutMs = 10_000 } = options;
  const entry = isAbsolute(options.entry) ? options.entry : join(repoRoot, options.entry);
  const child = Bun.spawn([process.execPath, PARSER_HEADER_LIMIT_FLAG, entry], {
    cwd: repoRoot,
    env: { ...baseEnv(), ...options.env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const chunks: string[] = [];
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) chunks.push(decoder.decode(chunk, { stream: true }));
  };
  const drained = Promise.all([collect(child.stdout), collect(child.stderr)]).catch(
    () => undefined,
  );
  const output = () => chunks.join("");

  // A test process that ends without calling stop() must not leave the service running.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);

  let stopping: Promise<number | null> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), stopTimeoutMs);
        await child.exited;
        clearTimeout(timer);
      }
      process.off("exit", killOnExit);
      await drained;
      return child.exitCode;
    })();
    return stopping;
  };

  const failure = (reason: string) =>
    new Error(`${name} (${options.entry}) ${reason}; its output:\n${tail(output())}`);
  const exited = child.exited.then((code) => ({ code }));
  const deadline = Date.now() + readyTimeoutMs;
  let lastAnswer = "no answer";
  for (;;) {
    const ready = await Promise.race([
      fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) }).then(
        async (response) => {
          lastAnswer = `${response.status} ${await response.text()}`;
          return response.status === 200;
        },
        (error: Error) => {
          lastAnswer = error.message;
          return false;
        },
      ),
      exited,
    ]);
    if (typeof ready === "object") {
      await stop();
      throw failure(`exited with code ${ready.code} before it was ready`);
    }
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw failure(`was not ready within ${readyTimeoutMs} ms (last /readyz: ${lastAnswer})`);
    }
    await Bun.sleep(100);
  }
  return {
    name,
    url,
    output,
    stop,
    killNow: killOnExit,
    exited: child.exited.then(async () => {
      process.off("exit", killOnExit);
      await drained;
      // Bun types it loosely; a killed process reports the signal's name.
      return child.signalCode as NodeJS.Signals | null;
    }),
  };
}
