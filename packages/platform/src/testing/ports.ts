import { readFileSync } from "node:fs";

/*
 * Ports for child processes that need a fixed one. They are picked below the kernel's ephemeral
 * range: a port the kernel hands out for port 0 comes from that range, and between the probe and
 * the child's bind any outgoing connection (a database pool's, a fetch's) may take it as its
 * local port. Below the range only another listener can, and the probe just made sure none did.
 */

const FIRST = 10_000;

/** The first port of the kernel's range for outgoing connections (Linux's default otherwise). */
function ephemeralStart(): number {
  try {
    const start = Number(
      readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").split(/\s+/)[0],
    );
    return Number.isInteger(start) && start > FIRST + 1000 ? start : 32_768;
  } catch {
    return 32_768;
  }
}

const END = ephemeralStart();

function isFree(port: number): boolean {
  try {
    const probe = Bun.serve({ hostname: "127.0.0.1", port, fetch: () => new Response() });
    probe.stop(true);
    return true;
  } catch {
    return false;
  }
}

/** A loopback port that was free a moment ago, outside the range outgoing connections use. */
export function freePort(taken: ReadonlySet<number> = new Set()): number {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const port = FIRST + Math.floor(Math.random() * (END - FIRST));
    if (!taken.has(port) && isFree(port)) return port;
  }
  throw new Error(`no free loopback port between ${FIRST} and ${END}`);
}

/** `count` distinct loopback ports that were free a moment ago. */
export function freePorts(count: number): number[] {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(freePort(ports));
  return [...ports];
}
