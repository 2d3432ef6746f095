import { parseCertificate, splitPemChain, x509 } from "./pem.ts";
import type { CertificateIssuer } from "./step-ca-issuer.ts";

const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const BACKDATE_MS = 60_000; // as step-ca, so small clock skews do not reject a fresh certificate

/** "90s", "5m", "1h" → milliseconds. */
export function durationMs(duration: string): number {
  const match = /^(\d+)(s|m|h)$/.exec(duration);
  if (!match) throw new Error(`unsupported duration: ${duration}`);
  return Number(match[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[match[2] as "s" | "m" | "h"];
}

/**
 * Mints leaves from the intermediate CA that step-ca/bootstrap.ts made, with the same chain
 * (root → intermediate → leaf), identity rules (CN = SAN = service name, server + client auth)
 * and lifetimes as step-ca. For the embedded default on a machine where step-ca cannot be built;
 * services use it through the same CertificateManager and rotation path.
 */
export async function localCaIssuer(options: {
  rootPem: string;
  intermediatePem: string;
  intermediateKeyPem: string;
}): Promise<CertificateIssuer> {
  const intermediate = parseCertificate(options.intermediatePem);
  const signingKey = await crypto.subtle.importKey(
    "pkcs8",
    x509.PemConverter.decodeFirst(options.intermediateKeyPem),
    ALGORITHM,
    false,
    ["sign"],
  );

  async function issue(service: string, publicKey: CryptoKey, lifetimeMs: number) {
    const now = Date.now();
    const leaf = await x509.X509CertificateGenerator.create({
      serialNumber: Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("hex"),
      subject: `CN=${service}`,
      issuer: intermediate.subject,
      notBefore: new Date(now - BACKDATE_MS),
      notAfter: new Date(now + lifetimeMs),
      signingAlgorithm: ALGORITHM,
      publicKey,
      signingKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([
          x509.ExtendedKeyUsage.serverAuth,
          x509.ExtendedKeyUsage.clientAuth,
        ]),
        new x509.SubjectAlternativeNameExtension([{ type: "dns", value: service }]),
        await x509.AuthorityKeyIdentifierExtension.create(intermediate),
      ],
    });
    return `${leaf.toString("pem")}\n${options.intermediatePem.trim()}\n`;
  }

  return {
    rootPem: options.rootPem,
    async sign(service, csrPem, lifetime) {
      const csr = new x509.Pkcs10CertificateRequest(csrPem);
      if (!(await csr.verify())) throw new Error("CSR signature does not verify");
      return issue(
        service,
        await csr.publicKey.export(ALGORITHM, ["verify"]),
        durationMs(lifetime),
      );
    },
    async renew(current) {
      const leaf = parseCertificate(splitPemChain(current.chainPem)[0] ?? "");
      if (leaf.notAfter.getTime() <= Date.now())
        throw new Error("cannot renew an expired certificate");
      const lifetimeMs = leaf.notAfter.getTime() - leaf.notBefore.getTime() - BACKDATE_MS;
      const service = leaf.subject.replace(/^CN=/, "");
      return issue(service, await leaf.publicKey.export(ALGORITHM, ["verify"]), lifetimeMs);
    },
  };
}
