/**
 * The media worker in the compose stack, checked without running it: its environment against
 * file, the bucket, the broker and clamav; its dashboard and alerts against the metrics the worker
 * and the platform's consumer export (docs/decisions/0018-photo-pipeline.md). The lists every
 * service is in (ports, step-ca volumes, environment contracts) are in deploy/compose/.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { type Any, ROOT, read } from "@hangout/platform/testing/repository";
import { parse as parseYaml } from "yaml";
import { resolveComposeVars } from "../deploy/compose/compose.ts";
import { loadMediaConfig } from "../services/media/src/config.ts";
import {
  MEDIA_METRICS,
  prometheusExpressions,
  sourcesUnder,
  unknownAlertMetrics,
  unregistered,
} from "./inspect.ts";

const services: Record<string, Any> = parseYaml(read("docker-compose.yml"), {
  merge: true,
}).services;
const env: Record<string, string> = services.media.environment;
const resolvedEnv = (e: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(e).map(([k, v]) => [k, resolveComposeVars(String(v))]));
const config = loadMediaConfig(resolvedEnv(env));

describe("docker-compose.yml: the media worker", () => {
  test("runs its bundle from the one image; no database, so no migrate job", () => {
    expect(services.media.image).toBe(services.auth.image);
    expect(services["media-migrate"]).toBeUndefined();
    expect(env.MEDIA_HOST).toBe("0.0.0.0");
    expect(config.MEDIA_HTTP_PORT).toBe(3005);
    expect(services.media.healthcheck.test.join(" ")).toContain(
      `http://127.0.0.1:${env.MEDIA_HTTP_PORT}/readyz`,
    );
  });

  test("reads and writes file's bucket, with file's own S3 settings", () => {
    const file = resolvedEnv(services.file.environment);
    const media = resolvedEnv(env);
    const s3 = Object.keys(media).filter((name) => name.startsWith("S3_"));
    expect(s3.sort()).toEqual([
      "S3_ACCESS_KEY_ID",
      "S3_BUCKET",
      "S3_ENDPOINT",
      "S3_FORCE_PATH_STYLE",
      "S3_REGION",
      "S3_SECRET_ACCESS_KEY",
    ]);
    for (const name of s3)
      expect({ name, value: media[name] }).toEqual({ name, value: file[name] });
  });

  test("reports to file.v1.FileService over mTLS by file's compose name, with its own identity", () => {
    const file = services.file.environment;
    // a DNS name, the one in file's certificate (grpc-js under Bun rejects an IP as server name)
    expect(env.FILE_GRPC_TARGET).toBe(`file:${file.FILE_GRPC_PORT}`);
    expect(env.STEP_CA_URL).toBe(file.STEP_CA_URL);
    expect(env.STEP_CA_ROOT_FILE).toBe(file.STEP_CA_ROOT_FILE);
    expect(env.STEP_CA_PROVISIONER_KEY_FILE).toBe(
      "/app/.data/step-ca/secrets/provisioners/media.json",
    );
    expect(services.media.volumes).toEqual(["media-step-ca:/app/.data/step-ca:ro"]);
  });

  test("consumes its queue on the exchange file publishes to", () => {
    const file = resolvedEnv(services.file.environment);
    expect(config.MEDIA_QUEUE).toBe("media.file-uploaded");
    expect(env.EVENTS_EXCHANGE).toBe(String(file.EVENTS_EXCHANGE));
    expect(resolveComposeVars(String(env.AMQP_URL))).toBe(String(file.AMQP_URL));
    expect(env.EVENTS_EXCHANGE).toBe(services.hangout.environment.EVENTS_EXCHANGE);
  });

  test("scans with the clamav service over TCP; clamd stays inside the network", () => {
    const clamav = services.clamav;
    expect(clamav.image).toMatch(/^clamav\/clamav:\d+\.\d+\.\d+$/);
    expect(config.CLAMD_HOST).toBe("clamav");
    expect(config.CLAMD_PORT).toBe(3310);
    expect(config.CLAMD_SOCKET).toBeUndefined();
    expect(clamav.ports).toBeUndefined();
    expect(clamav.healthcheck.test).toEqual(["CMD", "clamdcheck.sh"]);
    // the signatures freshclam downloads survive a restart
    expect(clamav.volumes).toEqual(["clamav-db:/var/lib/clamav"]);
  });

  test("starts after the CA, a healthy file, broker and clamd", () => {
    const after = services.media.depends_on;
    expect(after["step-ca-init"].condition).toBe("service_completed_successfully");
    expect(after["step-ca"].condition).toBe("service_healthy");
    expect(after.file.condition).toBe("service_healthy");
    expect(after.rabbitmq.condition).toBe("service_healthy");
    expect(after.clamav.condition).toBe("service_healthy");
    expect(after["otel-collector"].condition).toBe("service_started");
    // file publishes its jobs: it starts the broker, without waiting for it (its outbox holds them)
    expect(services.file.depends_on.rabbitmq.condition).toBe("service_started");
  });
});

describe("telemetry of the media worker", () => {
  const dashboard: Any = JSON.parse(read("telemetry/grafana/dashboards/media.json"));
  const exprs = prometheusExpressions(dashboard);
  const rules: Any[] = parseYaml(read("telemetry/prometheus/rules/media.rules.yml")).groups.flatMap(
    (group: Any) => group.rules,
  );

  test("the dashboard shows photos by outcome, job duration p50/p99, the queue and memory", () => {
    const all = exprs.join("\n");
    expect(all).toContain("sum by (outcome) (rate(media_jobs_total");
    for (const q of ["0.5", "0.99"])
      expect(all).toContain(
        `histogram_quantile(${q}, sum by (le) (rate(media_job_duration_seconds_bucket`,
      );
    for (const name of ["events_consumed_total", "events_dead_lettered_total"])
      expect(all).toContain(name);
    expect(all).toContain("process_resident_memory_bytes");
  });

  test("every panel is the media worker's; consumer panels name its queue", () => {
    for (const expr of exprs) {
      expect({ expr, ours: expr.includes('service="media"') }).toEqual({ expr, ours: true });
      if (/events?_(consumed|failed|dead_lettered|consume)/.test(expr))
        expect(expr).toContain(`consumer="${config.MEDIA_QUEUE}"`);
    }
  });

  test("alerts: down, a high share of failed photos, dead-lettered jobs of its queue", () => {
    const byName = Object.fromEntries(rules.map((rule) => [rule.alert, rule.expr as string]));
    expect(Object.keys(byName).sort()).toEqual([
      "MediaDown",
      "MediaJobsFailing",
      "MediaQueueDeadLetters",
    ]);
    expect(byName.MediaDown).toContain('up{job="media"}');
    expect(byName.MediaJobsFailing).toContain('outcome!="ready"');
    expect(byName.MediaQueueDeadLetters).toContain(`consumer="${config.MEDIA_QUEUE}"`);
    expect(unknownAlertMetrics(rules, "hangout-media")).toEqual([]);
  });

  test("the worker registers the metrics the dashboard and alerts query, and their outcomes", () => {
    const sources = sourcesUnder(join(ROOT, "services/media/src"));
    expect(unregistered(MEDIA_METRICS, sources)).toEqual([]);
    expect(sources).toContain('labelNames: ["outcome"]');
    // the outcomes the panels and alerts name are the worker's JobOutcome
    for (const outcome of ["ready", "infected"]) expect(sources).toContain(`"${outcome}"`);
  });
});
