// The few JOSE pieces step-ca needs (ES256 JWK, RFC 7638 thumbprint, a signed JWT) done with
// WebCrypto: `jose` is only a dependency of @hangout/platform and does not resolve from this
// folder, and WebCrypto's ECDSA signature is already the raw r||s form that JWS uses.

/** A P-256 JWK; `d` only in the private form kept under secrets/provisioners. */
export interface EcJwk {
  kty: "EC";
  crv: "P-256";
  x: string;
  y: string;
  d?: string;
  use?: "sig";
  alg?: "ES256";
  kid?: string;
}

const b64url = (data: ArrayBuffer | string) =>
  Buffer.from(typeof data === "string" ? data : new Uint8Array(data)).toString("base64url");

/** RFC 7638: only the required members, in lexicographic order, no whitespace. */
export async function jwkThumbprint({ crv, kty, x, y }: EcJwk): Promise<string> {
  const canonical = JSON.stringify({ crv, kty, x, y });
  return b64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonical)));
}

export async function generateProvisionerKey(): Promise<EcJwk> {
  const { privateKey } = await crypto.subtle.generateKey(
    { name: "ECDSA", namedCurve: "P-256" },
    true,
    ["sign", "verify"],
  );
  const { x, y, d } = await crypto.subtle.exportKey("jwk", privateKey);
  const key: EcJwk = { kty: "EC", crv: "P-256", x: x!, y: y!, d: d! };
  // step-ca looks a provisioner up by iss + kid, so the kid must be stable: the thumbprint.
  return { ...key, use: "sig", alg: "ES256", kid: await jwkThumbprint(key) };
}

/** What goes into ca.json: everything but the private scalar. */
export function publicJwk({ kty, crv, x, y, use, alg, kid }: EcJwk): EcJwk {
  return { kty, crv, x, y, use, alg, kid };
}

export async function signJwt(key: EcJwk, payload: Record<string, unknown>): Promise<string> {
  const { kty, crv, x, y, d } = key;
  const signingKey = await crypto.subtle.importKey(
    "jwk",
    { kty, crv, x, y, d },
    { name: "ECDSA", namedCurve: "P-256" },
    false,
    ["sign"],
  );
  const header = { alg: "ES256", kid: key.kid, typ: "JWT" };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const signature = await crypto.subtle.sign(
    { name: "ECDSA", hash: "SHA-256" },
    signingKey,
    new TextEncoder().encode(input),
  );
  return `${input}.${b64url(signature)}`;
}

export interface OneTimeTokenOptions {
  /** Provisioner name; step-ca finds the provisioner by this plus the key's kid. */
  provisioner: string;
  key: EcJwk;
  /** https://host:port of the CA; the port is ignored when step-ca matches the audience. */
  caUrl: string;
  /** Must equal the CSR's common name. */
  subject: string;
  /** Must equal the CSR's SANs exactly; defaults to [subject]. */
  sans?: string[];
  lifetimeSeconds?: number;
}

/** A token for POST /1.0/sign; step-ca stores its jti, so each token works exactly once. */
export function oneTimeToken(options: OneTimeTokenOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return signJwt(options.key, {
    iss: options.provisioner,
    aud: `${options.caUrl}/1.0/sign`,
    sub: options.subject,
    sans: options.sans ?? [options.subject],
    jti: crypto.randomUUID(),
    iat: now,
    nbf: now,
    exp: now + (options.lifetimeSeconds ?? 300),
  });
}
