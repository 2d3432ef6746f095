import { describe, expect, test } from "bun:test";
import { loadAuthConfig } from "../src/config.ts";
import { createPasswordHasher } from "../src/services/passwords.ts";

const hasher = createPasswordHasher(loadAuthConfig({}));

describe("password hashing", () => {
  test("argon2id with the configured cost: m=19456 KiB, t=2, p=1, in PHC format", async () => {
    const hash = await hasher.hash("correct horse battery");
    expect(hash).toStartWith("$argon2id$v=19$m=19456,t=2,p=1$");
    expect(await hasher.verify("correct horse battery", hash)).toBe(true);
    expect(await hasher.verify("correct horse batterY", hash)).toBe(false);
  });

  test("hashes are interchangeable with Bun.password's (either can verify the other)", async () => {
    const bunHash = await Bun.password.hash("pw-123456", {
      algorithm: "argon2id",
      memoryCost: 19456,
      timeCost: 2,
    });
    expect(await hasher.verify("pw-123456", bunHash)).toBe(true);
    expect(await Bun.password.verify("pw-123456", await hasher.hash("pw-123456"))).toBe(true);
  });

  test("config refuses parameters weaker than OWASP's minimum", () => {
    expect(() => loadAuthConfig({ AUTH_PASSWORD_MEMORY_KIB: "8192" })).toThrow(
      /AUTH_PASSWORD_MEMORY_KIB/,
    );
    expect(() => loadAuthConfig({ AUTH_PASSWORD_TIME_COST: "1" })).toThrow(
      /AUTH_PASSWORD_TIME_COST/,
    );
  });
});
