import { importJWK, type JWK, SignJWT } from "jose";

/** A leaf certificate chain (leaf + intermediate, PEM) with its private key. */
export interface IssuedCertificate {
  chainPem: string;
  keyPem: string;
}

/** Where certificates come from: step-ca, or (embedded default without the binary) a local CA. */
export interface CertificateIssuer {
  /** Signs a CSR for `service` valid for `lifetime` (a Go duration such as "1h" or "5m"). */
  sign(service: string, csrPem: string, lifetime: string): Promise<string>;
  /** Renews the current certificate, authenticating with it (mTLS). */
  renew(current: IssuedCertificate): Promise<string>;
  /** The root every service trusts. */
  rootPem: string;
}

export interface StepCaOptions {
  url: string;
  rootPem: string;
  /** The JWK provisioner's name (one per service) and its private key. */
  provisioner: string;
  provisionerKey: JWK;
}

interface SignResponse {
  crt: string;
  ca: string;
  certChain?: string[];
}

/**
 * step-ca's API: a one-time token signed with the service's provisioner key authorizes the first
 * certificate (`/1.0/sign`); afterwards the current certificate itself authorizes its renewal
 * over mTLS (`/1.0/renew`), so the provisioner key is needed only at start.
 */
export function stepCaIssuer(options: StepCaOptions): CertificateIssuer {
  const base = options.url.replace(/\/$/, "");
  const post = async (path: string, body: unknown, tls: Record<string, string> = {}) => {
    const response = await fetch(`${base}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      tls: { ca: options.rootPem, ...tls },
    });
    if (response.status !== 201) {
      // step-ca's messages name the problem but never echo the token.
      throw new Error(
        `step-ca ${path}: ${response.status} ${(await response.text()).slice(0, 300)}`,
      );
    }
    const signed = (await response.json()) as SignResponse;
    return (signed.certChain ?? [signed.crt, signed.ca]).join("\n");
  };

  return {
    rootPem: options.rootPem,
    async sign(service, csrPem, lifetime) {
      const now = Math.floor(Date.now() / 1000);
      const key = await importJWK(options.provisionerKey, "ES256");
      const ott = await new SignJWT({ sans: [service] })
        .setProtectedHeader({ alg: "ES256", kid: options.provisionerKey.kid, typ: "JWT" })
        .setIssuer(options.provisioner)
        .setAudience(`${base}/1.0/sign`)
        .setSubject(service)
        .setJti(crypto.randomUUID())
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpirationTime(now + 300)
        .sign(key);
      return post("/1.0/sign", { csr: csrPem, ott, notAfter: lifetime });
    },
    renew: (current) =>
      post("/1.0/renew", undefined, { cert: current.chainPem, key: current.keyPem }),
  };
}
