/**
 * Certificates for the gRPC tests over mTLS on loopback, from the local CA (same chain and
 * identity rules as step-ca, without starting step-ca): a CA of the test file's own in a
 * temporary folder, and a started certificate manager per service.
 */
import { afterAll, beforeAll } from "bun:test";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Status } from "nice-grpc";
import { bootstrapCa } from "../../../../step-ca/bootstrap.ts";
import { CertificateManager } from "../certificates/certificate-manager.ts";
import { localCaIssuer } from "../certificates/local-ca-issuer.ts";
import { createLogger } from "../logger.ts";

export const logger = createLogger({ service: "test", level: "silent" });

export interface LocalCa {
  /** The CA's folder, as step-ca lays it out (a child process can issue from it too). */
  dir: string;
  /** Filled by the time the file's tests run. */
  managers: Record<string, CertificateManager>;
}

/** Makes the CA and the managers before the calling file's tests, and stops them after. */
export function useLocalCa(services = ["file", "hangout", "auth"]): LocalCa {
  const ca: LocalCa = { dir: "", managers: {} };
  beforeAll(async () => {
    ca.dir = await mkdtemp(join(tmpdir(), "grpc-test-ca-"));
    const pki = await bootstrapCa({ dir: ca.dir });
    const issuer = await localCaIssuer({
      rootPem: await Bun.file(pki.rootCert).text(),
      intermediatePem: await Bun.file(pki.intermediateCert).text(),
      intermediateKeyPem: await Bun.file(pki.intermediateKey).text(),
    });
    for (const service of services) {
      ca.managers[service] = new CertificateManager({ service, issuer, lifetime: "5m", logger });
      await ca.managers[service].start();
    }
  });
  afterAll(() => {
    for (const manager of Object.values(ca.managers)) manager.stop();
  });
  return ca;
}

/** The status a call ends with: OK, or the code it was rejected with. */
export const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return (error as { code?: Status }).code;
  }
  return Status.OK;
};
