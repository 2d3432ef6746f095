import "reflect-metadata";
import * as x509 from "@peculiar/x509";

/** A PEM bundle split into its certificates, leaf first. */
export const splitPemChain = (pem: string): string[] =>
  pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];

export const parseCertificate = (pem: string) => new x509.X509Certificate(pem);

export { x509 };
