import * as grpc from "@grpc/grpc-js";
import { type Channel, createChannel } from "nice-grpc";
import type { CertificateManager } from "../certificates/certificate-manager.ts";

/**
 * An mTLS channel to another service: presents this service's rotating certificate and checks
 * that the server's certificate names `serverIdentity` (its service name), whatever host it is
 * reached at. Target a DNS name (`localhost:50051`, `file:50051`): grpc-js under Bun refuses an
 * IP address as the TLS server name.
 */
export function createMtlsChannel(
  target: string,
  serverIdentity: string,
  certificates: CertificateManager,
): Channel {
  const provider = certificates.provider;
  const credentials = grpc.experimental.createCertificateProviderChannelCredentials(
    provider,
    provider,
  );
  return createChannel(target, credentials, {
    "grpc.ssl_target_name_override": serverIdentity,
    "grpc.default_authority": serverIdentity,
  });
}
