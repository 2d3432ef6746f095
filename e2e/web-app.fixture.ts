/**
 * The web app as a browser gets it: built once into a temp folder, then served by Vite's preview
 * server, which sends the API's paths to the services (web/build/api-proxy.ts) so the pages and
 * the API share one origin, as behind the edge.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "@hangout/platform/db";

const WEB_DIR = join(repoRoot, "web");
const VITE = "node_modules/vite/bin/vite.js";
const READY_MS = 30_000;

export interface WebApp {
  /** http://localhost:<port>: a secure context, so the Secure refresh cookie is kept. */
  url: string;
  /** What the build printed about the first page's JavaScript. */
  firstPageJs: string;
  stop(): Promise<void>;
}

export interface ApiTargets {
  authUrl: string;
  hangoutUrl: string;
  notificationUrl: string;
}

/** Environment Node needs to run Vite, and nothing else of this process's. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ["PATH", "HOME", "TMPDIR", "LANG"]) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

async function collect(stream: ReadableStream<Uint8Array>, into: string[]) {
  const decoder = new TextDecoder();
  for await (const chunk of stream) into.push(decoder.decode(chunk, { stream: true }));
}

/** Builds the app into a fresh temp folder; fails with Vite's output when the build does. */
export async function buildWebApp(): Promise<{ outDir: string; firstPageJs: string }> {
  const outDir = await mkdtemp(join(tmpdir(), "e2e-web-"));
  const build = Bun.spawn(["node", VITE, "build", "--outDir", outDir, "--emptyOutDir"], {
    cwd: WEB_DIR,
    env: { ...baseEnv(), NO_COLOR: "1" },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err] = await Promise.all([
    new Response(build.stdout).text(),
    new Response(build.stderr).text(),
  ]);
  if ((await build.exited) !== 0) {
    await rm(outDir, { recursive: true, force: true });
    throw new Error(`web build failed:\n${out}\n${err}`);
  }
  const firstPageJs = /first page JavaScript: (.*)/.exec(out)?.[1] ?? "";
  return { outDir, firstPageJs };
}

/**
 * Serves a build on `port` (chosen by the caller before the stack starts, since emails and the
 * bucket's CORS name the app's origin) until it answers; `api` is where its proxy sends the API.
 */
export async function serveWebApp(
  build: { outDir: string; firstPageJs: string },
  port: number,
  api: ApiTargets,
): Promise<WebApp> {
  const url = `http://localhost:${port}`;
  const preview = Bun.spawn(
    ["node", VITE, "preview", "--outDir", build.outDir, "--port", String(port), "--strictPort"],
    {
      cwd: WEB_DIR,
      env: {
        ...baseEnv(),
        NO_COLOR: "1",
        WEB_PORT: String(port),
        WEB_AUTH_URL: api.authUrl,
        WEB_HANGOUT_URL: api.hangoutUrl,
        WEB_NOTIFICATION_URL: api.notificationUrl,
      },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  const output: string[] = [];
  void Promise.all([collect(preview.stdout, output), collect(preview.stderr, output)]).catch(
    () => undefined,
  );
  const killOnExit = () => preview.kill("SIGKILL");
  process.once("exit", killOnExit);
  const stop = async () => {
    process.off("exit", killOnExit);
    if (preview.exitCode === null && preview.signalCode === null) preview.kill("SIGTERM");
    const ended = await Promise.race([preview.exited, Bun.sleep(5000).then(() => "timeout")]);
    if (ended === "timeout") preview.kill("SIGKILL");
    await rm(build.outDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + READY_MS;
  for (;;) {
    const answered = await fetch(url, { signal: AbortSignal.timeout(2000) })
      .then((response) => response.ok)
      .catch(() => false);
    if (answered) return { url, firstPageJs: build.firstPageJs, stop };
    if (preview.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`vite preview did not answer at ${url}:\n${output.join("")}`);
    }
    await Bun.sleep(100);
  }
}
