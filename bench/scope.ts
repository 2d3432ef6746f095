import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, type TestDatabase } from "@hangout/platform/testing/database";
import { freePort } from "@hangout/platform/testing/ports";
import { type LocalS3, startLocalS3 } from "@hangout/platform/testing/s3-server";
import { startTestCa, type TestCa } from "@hangout/platform/testing/step-ca";
import { type Child, children, spawnChild, stopChild, waitReady } from "./common.ts";

/** What a bench section starts besides its child processes; all of it is undone at the end. */
export interface BenchScope {
  /** Child logs go here; kept when the section fails or is interrupted, removed otherwise. */
  logDir: string;
  /** A throwaway database with the service's migrations, dropped at the end. */
  database(service: string): Promise<TestDatabase>;
  /** An S3-compatible store in this process, stopped after the children. */
  s3(): Promise<LocalS3>;
  /** A real step-ca, stopped (and its files removed) after the children. */
  ca(): Promise<TestCa>;
  /** The OTLP sink (`otlp-sink.ts`) as a child process, ready; `url` is its base URL. */
  otlpSink(): Promise<{ child: Child; url: string }>;
  /** Runs at the end, before the children stop (clients, load generators); last added first. */
  beforeChildrenStop(fn: () => unknown): void;
}

/**
 * Runs one bench section and undoes everything it started exactly once, whether it ends, fails or
 * is interrupted (SIGINT/SIGTERM): the `beforeChildrenStop` hooks, every child in reverse start
 * order (services flush their spans to the sink while they stop), the store and the CA, then the
 * databases.
 */
export async function runScoped(
  label: string,
  body: (scope: BenchScope) => Promise<void>,
): Promise<void> {
  const logDir = await mkdtemp(join(tmpdir(), `hangout-bench-${label}-`));
  const before: (() => unknown)[] = [];
  const after: (() => unknown)[] = [];
  const databases: TestDatabase[] = [];
  const settle = async (hooks: (() => unknown)[]) => {
    for (const hook of hooks.splice(0).reverse()) {
      try {
        await hook();
      } catch (error) {
        console.error(`cleanup: ${error}`);
      }
    }
  };
  let cleaning: Promise<void> | undefined;
  const cleanup = () => {
    cleaning ??= (async () => {
      await settle(before);
      for (const child of [...children].reverse()) await stopChild(child);
      await settle(after);
      for (const database of databases.splice(0)) {
        const { name } = database;
        await database
          .drop()
          .then(() => console.log(`database ${name} dropped`))
          .catch((error) => console.error(`could not drop database ${name}: ${error}`));
      }
    })();
    return cleaning;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: stopping everything the ${label} bench started ...`);
    void cleanup().finally(() => {
      console.error(`logs kept in ${logDir}`);
      process.exit(130);
    });
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  const scope: BenchScope = {
    logDir,
    async database(service) {
      const created = await createTestDatabase(service);
      databases.push(created);
      console.log(`database ${created.name} created`);
      return created;
    },
    async s3() {
      const store = await startLocalS3();
      after.push(() => store.stop());
      return store;
    },
    async ca() {
      const ca = await startTestCa();
      after.push(async () => {
        await ca.stop();
        await rm(ca.pki.dir, { recursive: true, force: true });
      });
      return ca;
    },
    async otlpSink() {
      const port = freePort();
      const child = spawnChild(
        "otlp-sink",
        ["bun", join(import.meta.dir, "otlp-sink.ts")],
        { BENCH_PORT: String(port) },
        logDir,
      );
      const url = `http://127.0.0.1:${port}`;
      await waitReady(child, `${url}/healthz`);
      return { child, url };
    },
    beforeChildrenStop: (fn) => void before.push(fn),
  };

  let ok = false;
  try {
    await body(scope);
    ok = true;
  } finally {
    await cleanup();
    if (ok) await rm(logDir, { recursive: true, force: true });
    else console.error(`logs kept in ${logDir}`);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
