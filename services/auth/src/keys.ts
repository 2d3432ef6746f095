import { chmod, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { ACCESS_TOKEN_ALG } from "@hangout/platform/access-token";
import {
  calculateJwkThumbprint,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  importPKCS8,
  type JSONWebKeySet,
} from "jose";
import type { AuthConfig } from "./config.ts";

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  jwks: JSONWebKeySet;
}

/**
 * The access-token signing key: from config, else from the key file, else (outside production)
 * generated into the key file with mode 0600 so the embedded default keeps its tokens valid
 * across restarts. The key never leaves the process except as its public JWK.
 */
export async function loadSigningKey(config: AuthConfig): Promise<SigningKey> {
  const pem = config.AUTH_JWT_PRIVATE_KEY ?? (await readKeyFile(config));
  const privateKey = await importPKCS8(pem, ACCESS_TOKEN_ALG, { extractable: true });
  const { d: _private, ...publicJwk } = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return {
    kid,
    privateKey,
    jwks: { keys: [{ ...publicJwk, kid, alg: ACCESS_TOKEN_ALG, use: "sig" }] },
  };
}

async function readKeyFile(config: AuthConfig): Promise<string> {
  const path = config.AUTH_JWT_PRIVATE_KEY_FILE;
  const file = Bun.file(path);
  if (await file.exists()) return file.text();
  if (config.DEPLOY_ENV === "production") {
    throw new Error(`AUTH_JWT_PRIVATE_KEY or the key file ${path} is required in production`);
  }
  const { privateKey } = await generateKeyPair(ACCESS_TOKEN_ALG, { extractable: true });
  const pem = await exportPKCS8(privateKey);
  await mkdir(dirname(path), { recursive: true });
  await Bun.write(path, pem);
  await chmod(path, 0o600);
  return pem;
}
