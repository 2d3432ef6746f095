/**
 * The file service's alerts (telemetry/prometheus/rules/file.rules.yml) against the metrics file
 * registers: it has no HTTP API and no dashboard of its own, so its alerts are about being
 * scraped and about its processing sweep (docs/decisions/0018-photo-pipeline.md).
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { type Any, ROOT, yamlFile } from "@hangout/platform/testing/repository";
import { metricNames, sourcesUnder, unregistered } from "./inspect.ts";

const rules: Any[] = yamlFile("telemetry/prometheus/rules/file.rules.yml").groups.flatMap(
  (group: Any) => group.rules,
);

describe("telemetry of the file service", () => {
  test("alerts: down, lost photo jobs sent again, photos given up", () => {
    const byName = Object.fromEntries(rules.map((rule) => [rule.alert, rule.expr as string]));
    expect(Object.keys(byName).sort()).toEqual([
      "FileDown",
      "FilePhotosGivenUp",
      "FilePhotosRequeued",
    ]);
    expect(byName.FileDown).toContain('up{job="file"}');
    expect(byName.FilePhotosRequeued).toContain('service="file"');
    expect(byName.FilePhotosGivenUp).toContain('service="file"');
  });

  test("file registers every metric its alerts query", () => {
    const queried = new Set(rules.flatMap((rule) => [...metricNames(rule.expr)]));
    queried.delete("up");
    expect([...queried].sort()).toEqual([
      "file_processing_given_up_total",
      "file_processing_requeued_total",
    ]);
    expect(unregistered(queried, sourcesUnder(join(ROOT, "services/file/src")))).toEqual([]);
  });
});
