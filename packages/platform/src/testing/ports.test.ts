import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { freePort, freePorts } from "./ports.ts";

const ephemeralStart = Number(
  readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").split(/\s+/)[0],
);

test("a free port lies below the range outgoing connections take their ports from", () => {
  for (let i = 0; i < 20; i++) {
    const port = freePort();
    expect(port).toBeLessThan(ephemeralStart);
    expect(port).toBeGreaterThanOrEqual(10_000);
  }
});

test("free ports can be listened on and are distinct", () => {
  const port = freePort();
  const server = Bun.serve({ hostname: "127.0.0.1", port, fetch: () => new Response("ok") });
  try {
    expect(server.port).toBe(port);
    const others = freePorts(50);
    expect(new Set(others).size).toBe(50);
    expect(others).not.toContain(port);
  } finally {
    server.stop(true);
  }
});
