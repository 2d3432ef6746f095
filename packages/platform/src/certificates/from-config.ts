import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { CertificateConfig } from "../config.ts";
import { CertificateManager } from "./certificate-manager.ts";
import { localCaIssuer } from "./local-ca-issuer.ts";
import { type CertificateIssuer, stepCaIssuer } from "./step-ca-issuer.ts";

/** The service's certificate manager from its config, or undefined when no CA is configured. */
export async function certificatesFromConfig(
  service: string,
  config: CertificateConfig,
  logger: Logger,
  registry: Registry,
): Promise<CertificateManager | undefined> {
  const manager = (issuer: CertificateIssuer) =>
    new CertificateManager({ service, lifetime: config.CERT_LIFETIME, logger, registry, issuer });
  if (config.STEP_CA_URL) {
    const keyFile =
      config.STEP_CA_PROVISIONER_KEY_FILE ?? `.data/step-ca/secrets/provisioners/${service}.json`;
    return manager(
      stepCaIssuer({
        url: config.STEP_CA_URL,
        rootPem: await Bun.file(config.STEP_CA_ROOT_FILE).text(),
        provisioner: service,
        provisionerKey: await Bun.file(keyFile).json(),
      }),
    );
  }
  if (config.LOCAL_CA_DIR) {
    const read = (path: string) => Bun.file(`${config.LOCAL_CA_DIR}/${path}`).text();
    logger.warn("LOCAL_CA_DIR: certificates are minted in-process, not by step-ca");
    return manager(
      await localCaIssuer({
        rootPem: await read("certs/root_ca.crt"),
        intermediatePem: await read("certs/intermediate_ca.crt"),
        intermediateKeyPem: await read("secrets/intermediate_ca_key"),
      }),
    );
  }
  return undefined;
}
