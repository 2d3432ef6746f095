import {
  createLocalJWKSet,
  createRemoteJWKSet,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
  jwtVerify,
} from "jose";
import { AppError } from "./errors.ts";

/** The one signing algorithm access tokens use; verification accepts nothing else. */
export const ACCESS_TOKEN_ALG = "ES256";

export interface AccessTokenClaims {
  /** The user id. */
  sub: string;
  exp: number;
}

export interface VerifierOptions {
  issuer: string;
  audience: string;
  /** Verified-token cache size; a hit skips the signature check until the token expires. */
  cacheSize?: number;
}

/**
 * Verifies access tokens: ES256 only (so `alg: none` and HS256-with-the-public-key are refused),
 * known `kid`, issuer, audience and expiry. Repeat presentations of a verified token are answered
 * from a bounded cache until the token's own expiry, which keeps signature checks off hot paths.
 */
export function createAccessTokenVerifier(keys: JWTVerifyGetKey, options: VerifierOptions) {
  const cacheSize = options.cacheSize ?? 10_000;
  const cache = new Map<string, AccessTokenClaims>();

  return async function verify(token: string): Promise<AccessTokenClaims> {
    const cached = cache.get(token);
    if (cached && cached.exp * 1000 > Date.now()) return cached;
    if (cached) cache.delete(token);
    let claims: AccessTokenClaims;
    try {
      const { payload } = await jwtVerify(token, keys, {
        algorithms: [ACCESS_TOKEN_ALG],
        issuer: options.issuer,
        audience: options.audience,
        requiredClaims: ["sub", "exp", "iat"],
      });
      claims = { sub: payload.sub as string, exp: payload.exp as number };
    } catch (error) {
      throw new AppError("unauthorized", "The access token is invalid or expired", {
        cause: error,
      });
    }
    if (cache.size >= cacheSize) cache.delete(cache.keys().next().value as string);
    cache.set(token, claims);
    return claims;
  };
}

export type AccessTokenVerifier = ReturnType<typeof createAccessTokenVerifier>;

/**
 * Keys from the auth service's JWKS endpoint, cached; an unknown `kid` triggers a refetch
 * (at most every 30 s), which is how a key rotation reaches other services.
 */
export const remoteKeys = (jwksUrl: string, options: { cooldownMs?: number } = {}) =>
  createRemoteJWKSet(new URL(jwksUrl), {
    cooldownDuration: options.cooldownMs ?? 30_000,
    cacheMaxAge: 600_000,
  });

export const localKeys = (jwks: JSONWebKeySet) => createLocalJWKSet(jwks);

/** The token of an `Authorization: Bearer …` header, or a 401. */
export function bearerToken(header: string | null | undefined): string {
  const match = header?.match(/^Bearer ([\w-]+\.[\w-]*\.[\w-]*)$/i);
  if (!match?.[1]) throw new AppError("unauthorized", "A Bearer access token is required");
  return match[1];
}
