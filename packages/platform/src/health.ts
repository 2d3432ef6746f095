/** A named readiness check: resolves when the dependency is usable, throws otherwise. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, "ok" | string>;
}

const CHECK_TIMEOUT_MS = 2000;

/** Runs every check concurrently, each bounded by a timeout so a hung dependency fails fast. */
export async function runReadinessChecks(checks: ReadinessCheck[]): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async ({ name, check }) => {
      let timer: Timer | undefined;
      try {
        await Promise.race([
          check(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error("timed out")), CHECK_TIMEOUT_MS);
          }),
        ]);
        return [name, "ok"] as const;
      } catch (error) {
        return [name, `failed: ${error instanceof Error ? error.message : "unknown"}`] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { ready: results.every(([, r]) => r === "ok"), checks: Object.fromEntries(results) };
}
