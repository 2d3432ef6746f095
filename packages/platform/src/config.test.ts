import { describe, expect, test } from "bun:test";
import { ConfigError, commonConfigSchema, configSchema, env, loadConfig } from "./config.ts";

const schema = configSchema({
  ...commonConfigSchema,
  PORT: env.port(3001),
  DATABASE_URL: env.url(),
  FEATURE: env.bool(false),
  MODE: env.oneOf(["a", "b"], "a"),
});

const problemsOf = (source: Record<string, string>) => {
  try {
    loadConfig(schema, source);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
};

describe("loadConfig", () => {
  test("applies defaults and converts strings to the declared types", () => {
    const config = loadConfig(schema, {
      DATABASE_URL: "mysql://u:p@h:3306/db",
      FEATURE: "true",
      PORT: "",
    });
    expect(config.PORT).toBe(3001);
    expect(config.FEATURE).toBe(true);
    expect(config.MODE).toBe("a");
    expect(config.LOG_LEVEL).toBe("info");
    expect(config.HTTP_BODY_LIMIT_BYTES).toBe(1024 * 1024);
    expect(config.OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
  });

  test("a missing required variable fails at start, naming it", () => {
    const problems = problemsOf({});
    expect(problems.map((p) => p.variable)).toEqual(["DATABASE_URL"]);
    expect(problems[0]!.message).toStartWith("is required");
  });

  test("malformed values fail with every bad variable named", () => {
    const problems = problemsOf({
      DATABASE_URL: "not a url",
      PORT: "70000",
      FEATURE: "maybe",
      MODE: "c",
      LOG_LEVEL: "loud",
    });
    expect(problems.map((p) => p.variable).sort()).toEqual([
      "DATABASE_URL",
      "FEATURE",
      "LOG_LEVEL",
      "MODE",
      "PORT",
    ]);
    expect(() => loadConfig(schema, { DATABASE_URL: "x", PORT: "abc" })).toThrow(/PORT: /);
  });
});
