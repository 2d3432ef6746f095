import { type Algorithm, hash, verify } from "@node-rs/argon2";
import pLimit from "p-limit";
import type { AuthConfig } from "../config.ts";

/**
 * argon2id, parallelism 1, memory and time cost from config; PHC-format hashes. It uses
 * @node-rs/argon2 rather than Bun.password: same algorithm and output format, and a faster
 * verify, which login's latency target needs. Hashes run AUTH_PASSWORD_CONCURRENCY at a time
 * (default one): each holds its memory cost while it runs, so logins queue in order instead,
 * which bounds both memory and tail latency. docs/decisions/0004-argon2-library.md
 */
// `Algorithm` is a const enum, which isolated modules cannot import as a value.
const ARGON2ID = 2 as Algorithm.Argon2id;

export function createPasswordHasher(config: AuthConfig) {
  const limit = pLimit(config.AUTH_PASSWORD_CONCURRENCY);
  const options = {
    algorithm: ARGON2ID,
    memoryCost: config.AUTH_PASSWORD_MEMORY_KIB,
    timeCost: config.AUTH_PASSWORD_TIME_COST,
    parallelism: 1,
  };
  // Verifying against this when the email is unknown makes both failures cost the same time.
  const decoy = hash(crypto.randomUUID(), options);
  return {
    hash: (password: string) => limit(() => hash(password, options)),
    verify: (password: string, passwordHash: string) => limit(() => verify(passwordHash, password)),
    async verifyDecoy(password: string) {
      const decoyHash = await decoy;
      await limit(() => verify(decoyHash, password));
      return false;
    },
  };
}

export type PasswordHasher = ReturnType<typeof createPasswordHasher>;
