/**
 * Every YAML/JSON file under telemetry/ parses (duplicate keys rejected), and the Alloy config,
 * which no parser here reads, is at least balanced and names only the expected components.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { filesUnder, ROOT, read } from "@hangout/platform/testing/repository";
import { parse as parseYaml } from "yaml";
import { stripAlloyCommentsAndStrings, TELEMETRY } from "./inspect.ts";

describe("every telemetry config parses", () => {
  const files = filesUnder(TELEMETRY).filter((f) => /\.(ya?ml|json)$/.test(f));
  test("there are configs to check", () => {
    expect(files.length).toBeGreaterThanOrEqual(8);
  });
  for (const file of files) {
    test(relative(ROOT, file), () => {
      const text = readFileSync(file, "utf8");
      const doc = file.endsWith(".json") ? JSON.parse(text) : parseYaml(text, { uniqueKeys: true });
      expect(doc).toBeObject();
    });
  }

  test("the Alloy config is balanced and uses only known block names", () => {
    const text = stripAlloyCommentsAndStrings(read("telemetry/alloy/config.alloy"));
    let depth = 0;
    for (const ch of text) {
      if (ch === "{") depth++;
      if (ch === "}") depth--;
      expect(depth).toBeGreaterThanOrEqual(0);
    }
    expect(depth).toBe(0);
    const components = [...text.matchAll(/^([a-z_]+(?:\.[a-z_]+)+)\s+""\s*\{/gm)].map((m) => m[1]);
    expect(components.sort()).toEqual(
      [
        "discovery.docker",
        "discovery.relabel",
        "loki.process",
        "loki.source.docker",
        "loki.write",
      ].sort(),
    );
  });
});
