/**
 * Helpers of scripts/dev.test.ts: free ports, the step-ca binary, sockets and processes, and the
 * API calls that make hangout publish an invitation.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { REPO_ROOT } from "./repo-copy.ts";

export async function freePorts(count: number): Promise<number[]> {
  // Held open together so no two are the same; closed just before dev.ts starts.
  const listeners = Array.from({ length: count }, () =>
    Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } }),
  );
  const found = listeners.map((listener) => listener.port);
  for (const listener of listeners) listener.stop(true);
  return found;
}

/** The step-ca that `npm test` made sure of; the copy's empty .data would otherwise rebuild it. */
export function stepCaBinary(): string {
  const run = Bun.spawnSync(["bash", join(REPO_ROOT, "scripts", "ensure-step-ca.sh")], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const binary = run.stdout.toString().trim().split("\n").pop();
  if (run.exitCode !== 0 || !binary) throw new Error(`no step-ca: ${run.stderr.toString()}`);
  return binary;
}

/** The clamd that `npm run dev` and `npm test` make sure of (scripts/ensure-clamav.sh), its socket. */
export function clamdSocket(): string {
  const socket = process.env.CLAMD_SOCKET || "/tmp/hangout-clamd/clamd.sock";
  const run = Bun.spawnSync(["bash", join(REPO_ROOT, "scripts", "ensure-clamav.sh")], {
    env: { ...process.env, CLAMD_SOCKET: socket },
    stdout: "pipe",
    stderr: "pipe",
  });
  if (run.exitCode !== 0) throw new Error(`no clamd: ${run.stderr.toString()}`);
  return socket;
}

export async function drain(stream: ReadableStream<Uint8Array>, append: (text: string) => void) {
  const decoder = new TextDecoder();
  for await (const chunk of stream) append(decoder.decode(chunk, { stream: true }));
}

export async function accepts(host: string, port: number): Promise<boolean> {
  try {
    const socket = await Bun.connect({ hostname: host, port, socket: { data() {} } });
    socket.end();
    return true;
  } catch {
    return false;
  }
}

/** Every process below `root`, read from /proc (children of children included). */
export async function descendants(root: number): Promise<number[]> {
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

export const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Signs up, logs in, plans a hangout and invites `friend`: hangout's member.invited event. */
export async function invite(
  authUrl: string,
  hangoutUrl: string,
  people: { owner: string; friend: string },
) {
  const { owner, friend } = people;
  const call = async (url: string, body: unknown, token?: string) => {
    const response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const json = (await response.json()) as Record<string, unknown>;
    if (!response.ok) throw new Error(`POST ${url}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  const password = "a long enough password";
  await call(`${authUrl}/auth/signup`, { email: owner, password, name: "Olive Owner" });
  await call(`${authUrl}/auth/signup`, { email: friend, password, name: "Frank Friend" });
  const { accessToken } = (await call(`${authUrl}/auth/login`, { email: owner, password })) as {
    accessToken: string;
  };
  const startsAt = new Date(Date.now() + 7 * 86_400_000).toISOString();
  const hangout = await call(
    `${hangoutUrl}/hangouts`,
    { title: "Picnic by the river", startsAt },
    accessToken,
  );
  await call(`${hangoutUrl}/hangouts/${hangout.id}/invites`, { emails: [friend] }, accessToken);
}
