import type { Static, TObject } from "@sinclair/typebox";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { certificateConfigSchema } from "../config.ts";
import { CertificateManager } from "./certificate-manager.ts";
import { stepCaIssuer } from "./step-ca-issuer.ts";

type CertificateConfig = Static<TObject<typeof certificateConfigSchema>>;

/** The service's certificate manager from its config, or undefined when no CA is configured. */
export async function certificatesFromConfig(
  service: string,
  config: CertificateConfig,
  logger: Logger,
  registry: Registry,
): Promise<CertificateManager | undefined> {
  if (!config.STEP_CA_URL) return undefined;
  const keyFile =
    config.STEP_CA_PROVISIONER_KEY_FILE ?? `.data/step-ca/secrets/provisioners/${service}.json`;
  return new CertificateManager({
    service,
    lifetime: config.CERT_LIFETIME,
    logger,
    registry,
    issuer: stepCaIssuer({
      url: config.STEP_CA_URL,
      rootPem: await Bun.file(config.STEP_CA_ROOT_FILE).text(),
      provisioner: service,
      provisionerKey: await Bun.file(keyFile).json(),
    }),
  });
}
