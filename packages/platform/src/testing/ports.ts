/** A loopback port that was free a moment ago, for child processes that need a fixed port. */
export function freePort(): number {
  const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const { port } = probe;
  probe.stop(true);
  return port!;
}

/** `count` distinct loopback ports that were free a moment ago (all held until each is known). */
export function freePorts(count: number): number[] {
  const probes = Array.from({ length: count }, () =>
    Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() }),
  );
  const ports = probes.map((probe) => probe.port!);
  for (const probe of probes) probe.stop(true);
  return ports;
}
