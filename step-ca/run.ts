// Runs a real step-ca on a folder made by bootstrap.ts, for tests and local runs.
//
//   bun step-ca/run.ts [--dir .data/step-ca] [--address 127.0.0.1:9443] [--cert-duration 1h]
//
// As a CLI it bootstraps (idempotent), finds or builds the binary through
// scripts/ensure-step-ca.sh and stays in the foreground until Ctrl-C.
import { join } from "node:path";
import { parseArgs } from "node:util";
import { bootstrapCa, DEFAULT_DIR, REPO_ROOT } from "./bootstrap.ts";

export interface StepCaOptions {
  /** Path of the step-ca executable (see scripts/ensure-step-ca.sh). */
  binary: string;
  /** Folder written by bootstrapCa (with local paths, i.e. without pathPrefix). */
  dir: string;
  /** host:port to poll; defaults to the address in ca.json. */
  address?: string;
  /** How long to wait for /health; a cold start under load takes a few seconds. */
  timeoutMs?: number;
  /** Every line the CA logs (stdout and stderr). */
  onLog?: (line: string) => void;
}

export interface RunningStepCa {
  /** https://host:port, usable as the CA URL in tokens and requests. */
  url: string;
  rootPem: string;
  /** The last lines the CA logged: its only place for the real reason behind a 401. */
  logTail(): string;
  stop(): Promise<void>;
}

const TAIL_LINES = 40;

export async function startStepCa(options: StepCaOptions): Promise<RunningStepCa> {
  const config = join(options.dir, "config", "ca.json");
  const address: string = options.address ?? (await Bun.file(config).json()).address;
  // A wildcard listen address (":9443", "0.0.0.0:9443") is reached on loopback.
  const [, host = "", port] = /^(.*):(\d+)$/.exec(address) ?? [];
  const reachable = !host || host === "0.0.0.0" || host === "[::]" ? "127.0.0.1" : host;
  const url = `https://${reachable}:${port}`;
  const rootPem = await Bun.file(join(options.dir, "certs", "root_ca.crt")).text();

  const tail: string[] = [];
  const child = Bun.spawn([options.binary, config], { stdout: "pipe", stderr: "pipe" });
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    let partial = "";
    for await (const chunk of stream) {
      const lines = (partial + decoder.decode(chunk, { stream: true })).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
        options.onLog?.(line);
      }
    }
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const logTail = () => tail.join("\n");

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM"); // step-ca closes its badger db on SIGTERM
      const exited = await Promise.race([child.exited.then(() => true), Bun.sleep(5000)]);
      if (!exited) child.kill("SIGKILL");
    }
    await child.exited;
    await pumps;
  };

  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await pumps;
      throw new Error(`step-ca exited (${child.exitCode ?? child.signalCode}):\n${logTail()}`);
    }
    try {
      const response = await fetch(`${url}/health`, {
        tls: { ca: rootPem },
        signal: AbortSignal.timeout(2000),
      });
      if (response.ok && ((await response.json()) as { status?: string }).status === "ok") break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `step-ca at ${url} not healthy after ${options.timeoutMs ?? 20_000} ms:\n${logTail()}`,
      );
    }
    await Bun.sleep(100);
  }
  return { url, rootPem, logTail, stop };
}

/** The binary from scripts/ensure-step-ca.sh (PATH, earlier build, or a fresh Debian build). */
export async function ensureStepCaBinary(): Promise<string> {
  const script = join(REPO_ROOT, "scripts", "ensure-step-ca.sh");
  const run = Bun.spawn(["bash", script], { stdout: "pipe", stderr: "inherit" });
  const [out, code] = await Promise.all([new Response(run.stdout).text(), run.exited]);
  const binary = out.trim().split("\n").pop();
  if (code !== 0 || !binary) throw new Error(`${script} failed (exit ${code})`);
  return binary;
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      dir: { type: "string", default: DEFAULT_DIR },
      address: { type: "string", default: process.env.STEP_CA_ADDRESS ?? "127.0.0.1:9443" },
      "cert-duration": { type: "string" },
    },
  });
  const pki = await bootstrapCa({
    dir: values.dir,
    address: values.address,
    certDuration: values["cert-duration"],
  });
  const ca = await startStepCa({
    binary: await ensureStepCaBinary(),
    dir: pki.dir,
    onLog: (line) => console.error(line),
  });
  console.log(`step-ca ready at ${ca.url} (root: ${pki.rootCert}); Ctrl-C stops it`);
  const shutdown = () => void ca.stop().then(() => process.exit(0));
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}
