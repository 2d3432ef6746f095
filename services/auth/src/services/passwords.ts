import type { AuthConfig } from "../config.ts";

/** argon2id through Bun.password (parallelism 1); parameters come from config. */
export function createPasswordHasher(config: AuthConfig) {
  const options = {
    algorithm: "argon2id" as const,
    memoryCost: config.AUTH_PASSWORD_MEMORY_KIB,
    timeCost: config.AUTH_PASSWORD_TIME_COST,
  };
  // Verifying against this when the email is unknown makes both failures cost the same time.
  const decoy = Bun.password.hash(crypto.randomUUID(), options);
  return {
    hash: (password: string) => Bun.password.hash(password, options),
    verify: (password: string, hash: string) => Bun.password.verify(password, hash),
    async verifyDecoy(password: string) {
      await Bun.password.verify(password, await decoy);
      return false;
    },
  };
}

export type PasswordHasher = ReturnType<typeof createPasswordHasher>;
