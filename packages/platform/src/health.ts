/** A named readiness check: resolves when the dependency is usable, throws otherwise. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
  /**
   * Whether the service is unready while this check fails (default true). A dependency the
   * service works without for a while (the broker: the outbox holds events) is reported but
   * does not take the service out of rotation.
   */
  critical?: boolean;
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, "ok" | string>;
}

const CHECK_TIMEOUT_MS = 2000;

/** Runs every check concurrently, each bounded by a timeout so a hung dependency fails fast. */
export async function runReadinessChecks(checks: ReadinessCheck[]): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async ({ name, check, critical = true }) => {
      let timer: Timer | undefined;
      try {
        await Promise.race([
          check(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error("timed out")), CHECK_TIMEOUT_MS);
          }),
        ]);
        return [name, "ok", critical] as const;
      } catch (error) {
        const reason = `failed: ${error instanceof Error ? error.message : "unknown"}`;
        return [name, reason, critical] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return {
    ready: results.every(([, result, critical]) => result === "ok" || !critical),
    checks: Object.fromEntries(results.map(([name, result]) => [name, result])),
  };
}
