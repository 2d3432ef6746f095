import {
  ACCESS_TOKEN_ALG,
  createAccessTokenVerifier,
  localKeys,
} from "@hangout/platform/access-token";
import { SignJWT } from "jose";
import type { AuthConfig } from "../config.ts";
import type { SigningKey } from "../keys.ts";

/** Issues access tokens and verifies them the same way every other service does (via JWKS). */
export function createAccessTokens(key: SigningKey, config: AuthConfig, clock: () => Date) {
  const verify = createAccessTokenVerifier(localKeys(key.jwks), {
    issuer: config.AUTH_JWT_ISSUER,
    audience: config.AUTH_JWT_AUDIENCE,
  });
  return {
    ttlSeconds: config.AUTH_ACCESS_TOKEN_TTL_SECONDS,
    jwks: key.jwks,
    verify,
    sign(userId: string): Promise<string> {
      const now = Math.floor(clock().getTime() / 1000);
      return new SignJWT({})
        .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, kid: key.kid, typ: "JWT" })
        .setSubject(userId)
        .setIssuer(config.AUTH_JWT_ISSUER)
        .setAudience(config.AUTH_JWT_AUDIENCE)
        .setIssuedAt(now)
        .setExpirationTime(now + config.AUTH_ACCESS_TOKEN_TTL_SECONDS)
        .setJti(crypto.randomUUID())
        .sign(key.privateKey);
    },
  };
}

export type AccessTokens = ReturnType<typeof createAccessTokens>;
