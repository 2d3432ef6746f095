import type { DestinationStream, Logger } from "pino";
import type { CommonConfig } from "./config.ts";
import { createLogger } from "./logger.ts";
import { createHttpMetrics, type HttpMetrics } from "./metrics.ts";
import { initTelemetry, type Telemetry } from "./telemetry.ts";

/**
 * What every service process has: logger, metrics, telemetry and a lifecycle that knows when the
 * process is draining and what to close on shutdown.
 */
export interface Platform {
  service: string;
  config: CommonConfig;
  logger: Logger;
  metrics: HttpMetrics;
  telemetry: Telemetry;
  lifecycle: Lifecycle;
}

export class Lifecycle {
  draining = false;
  private readonly closers: { name: string; close: () => Promise<unknown> | unknown }[] = [];
  private readonly drainers: { name: string; drain: () => void }[] = [];

  /**
   * Runs when draining starts, before in-flight requests are waited for: for responses that
   * never end by themselves (event streams), which would otherwise hold the drain to its timeout.
   */
  onDrain(name: string, drain: () => void) {
    this.drainers.push({ name, drain });
  }

  startDrain(logger: Logger) {
    this.draining = true;
    for (const { name, drain } of this.drainers.splice(0)) {
      try {
        drain();
      } catch (error) {
        logger.error({ err: error, resource: name }, "failed to end at drain");
      }
    }
  }

  /** Registers a resource to close on shutdown; closed in reverse order of registration. */
  onClose(name: string, close: () => Promise<unknown> | unknown) {
    this.closers.push({ name, close });
  }

  async closeAll(logger: Logger) {
    for (const { name, close } of this.closers.splice(0).reverse()) {
      try {
        await close();
      } catch (error) {
        logger.error({ err: error, resource: name }, "failed to close resource");
      }
    }
  }
}

export interface PlatformOptions {
  /** Where log lines go; stdout when unset. Tests capture them here. */
  logDestination?: DestinationStream;
}

export function createPlatform(
  service: string,
  config: CommonConfig,
  options: PlatformOptions = {},
): Platform {
  const logger = createLogger({
    service,
    level: config.LOG_LEVEL,
    destination: options.logDestination,
  });
  const telemetry = initTelemetry({ service, otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  const lifecycle = new Lifecycle();
  lifecycle.onClose("telemetry", () => telemetry.shutdown());
  return { service, config, logger, metrics: createHttpMetrics(service), telemetry, lifecycle };
}
