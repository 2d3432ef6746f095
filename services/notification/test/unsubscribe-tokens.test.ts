import { describe, expect, test } from "bun:test";
import { loadNotificationConfig } from "../src/config.ts";
import {
  createUnsubscribeTokens,
  MAX_TOKEN_LENGTH,
  unsubscribeSecret,
} from "../src/services/unsubscribe-tokens.ts";

/* Stateless unsubscribe tokens: only this service's secret makes one, and nothing in it changes. */

const tokens = createUnsubscribeTokens("a secret for these tests");
const user = "user:0197a4e9-2b3c-7d4e-9f50-b2c3d4e5f607";

describe("unsubscribe tokens", () => {
  test("verify what was signed, for users and addresses", () => {
    for (const claim of [
      { recipient: user, kind: "invitation" as const },
      { recipient: user, kind: "reminder" as const },
      { recipient: "email:zoe+tag@example.com", kind: "invitation" as const },
    ]) {
      const token = tokens.sign(claim);
      expect(token).toMatch(/^[\w-]+\.[\w-]{43}$/);
      expect(tokens.verify(token)).toEqual(claim);
    }
  });

  test("are signed, not encrypted: the claim reads in the clear, the secret is not in it", () => {
    const token = tokens.sign({ recipient: user, kind: "update" });
    expect(token).not.toContain("a secret");
    expect(Buffer.from(token.split(".")[0]!, "base64url").toString()).toBe(`update|${user}`);
  });

  test("refuse another secret's token, an altered claim, a cut or padded token", () => {
    const token = tokens.sign({ recipient: user, kind: "update" });
    const [payload, mac] = token.split(".") as [string, string];
    const claimOf = (text: string) => Buffer.from(text).toString("base64url");
    const refused = [
      createUnsubscribeTokens("another secret").sign({ recipient: user, kind: "update" }),
      `${claimOf(`reminder|${user}`)}.${mac}`,
      `${claimOf(`update|user:0197a4e9-2b3c-7d4e-9f50-b2c3d4e5f608`)}.${mac}`,
      `${payload}.${mac.slice(0, -1)}`,
      `${payload}.${mac}A`,
      `${payload}.${mac}.x`,
      `${payload}.`,
      `.${mac}`,
      payload,
      `${payload}=.${mac}`,
      "",
      `${"A".repeat(MAX_TOKEN_LENGTH)}.${mac}`,
    ];
    for (const bad of refused) expect(tokens.verify(bad)).toBeUndefined();
  });

  test("refuse a well-signed payload that is not a claim", () => {
    // Signed with the right secret by a hypothetical bug elsewhere: the shape is still checked.
    const sign = (payload: string) => {
      const { createHmac } = require("node:crypto") as typeof import("node:crypto");
      const mac = createHmac("sha256", "a secret for these tests")
        .update(`hangout-planner/unsubscribe/v1\n${payload}`)
        .digest("base64url");
      return `${Buffer.from(payload).toString("base64url")}.${mac}`;
    };
    expect(tokens.verify(sign(`update|${user}`))).toEqual({ recipient: user, kind: "update" });
    for (const payload of [`digest|${user}`, "update|user:nope", "update|bob", `update`]) {
      expect(tokens.verify(sign(payload))).toBeUndefined();
    }
  });
});

describe("UNSUBSCRIBE_SECRET", () => {
  test("in production, must be set and long; elsewhere the default does", () => {
    const config = (env: Record<string, string>) => unsubscribeSecret(loadNotificationConfig(env));
    expect(() => config({ DEPLOY_ENV: "production" })).toThrow("UNSUBSCRIBE_SECRET");
    expect(() => config({ DEPLOY_ENV: "production", UNSUBSCRIBE_SECRET: "short" })).toThrow();
    const long = "x".repeat(32);
    expect(config({ DEPLOY_ENV: "production", UNSUBSCRIBE_SECRET: long })).toBe(long);
    expect(config({ DEPLOY_ENV: "development" })).toBeString();
  });
});
