import type { Logger } from "@hangout/platform/logger";
import type { ServiceTask } from "@hangout/platform/service/definition";
import type { Files } from "../services/files.ts";

/** Removes abandoned uploads every `intervalSeconds`; a backlog drains batch by batch in one pass. */
export const reaperTask = (files: Files, intervalSeconds: number, logger: Logger): ServiceTask => ({
  name: "reaper",
  intervalSeconds,
  async run() {
    for (let removed = -1; removed !== 0; ) {
      removed = await files.reap();
      if (removed > 0) logger.info({ removed }, "reaper removed abandoned uploads");
    }
  },
});
