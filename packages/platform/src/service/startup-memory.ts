import { heapStats } from "bun:jsc";
import type { Logger } from "pino";

const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;

/**
 * Drops the machine code and bytecode compiled while the service started, then collects and
 * returns freed memory to the system. Call it once, when start-up is over.
 *
 * Why: start-up runs the top level of every module once, and JavaScriptCore keeps the code of
 * everything that ran. The heap grows in proportion to what is live after a full collection, so
 * under load that code costs more than its own size in RSS. Code that runs again (the request
 * path) is compiled again on first use. Measured: docs/decisions/0008-runtime-memory-tuning.md.
 */
export async function releaseStartupMemory(logger: Logger): Promise<void> {
  const rssBefore = process.memoryUsage.rss();
  // A full collection first: JavaScriptCore skips deleting code while a collection is running,
  // and one usually is right after start-up.
  Bun.gc(true);
  // JavaScriptCore's shrinkFootprintWhenIdle: delete all compiled code, collect, and release the
  // allocator's free pages. It runs once no JavaScript is on the stack, so the result is read a
  // turn of the event loop later.
  Bun.shrink();
  await new Promise((resolve) => setTimeout(resolve, 0));
  logger.info(
    {
      rssMb: { before: mb(rssBefore), after: mb(process.memoryUsage.rss()) },
      heapMb: mb(heapStats().heapSize),
    },
    "start-up code released",
  );
}
