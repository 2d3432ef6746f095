import { x509 } from "./pem.ts";

const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

export interface KeyAndCsr {
  keyPem: string;
  csrPem: string;
}

/**
 * A fresh P-256 key and a CSR whose CN and only DNS SAN are the service name: the name is the
 * identity other services authorize on (e.g. FileService accepts only `hangout`).
 */
export async function createKeyAndCsr(service: string): Promise<KeyAndCsr> {
  const keys = (await crypto.subtle.generateKey(ALGORITHM, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${service}`,
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: "dns", value: service }])],
  });
  const pkcs8 = await crypto.subtle.exportKey("pkcs8", keys.privateKey);
  return {
    keyPem: x509.PemConverter.encode(pkcs8, "PRIVATE KEY"),
    csrPem: csr.toString("pem"),
  };
}
