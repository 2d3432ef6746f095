import type { CertificateManager } from "@hangout/platform/certificates/certificate-manager";
import { createGrpcClient, createMtlsChannel } from "@hangout/platform/grpc/client";
import type { Platform } from "@hangout/platform/platform";
import { UserDirectoryDefinition } from "@hangout/proto/auth/v1/user_directory";
import { FileServiceDefinition } from "@hangout/proto/file/v1/file";
import type { HangoutConfig } from "../config.ts";

/** mTLS clients of the file service and auth's UserDirectory, traced and with deadlines. */
export function createServiceClients(
  config: HangoutConfig,
  certificates: CertificateManager,
  platform: Platform,
) {
  const options = { timeoutMs: config.GRPC_TIMEOUT_MS, registry: platform.metrics.registry };
  const fileChannel = createMtlsChannel(config.FILE_GRPC_TARGET, "file", certificates);
  const authChannel = createMtlsChannel(config.AUTH_GRPC_TARGET, "auth", certificates);
  platform.lifecycle.onClose("grpc-clients", () => {
    fileChannel.close();
    authChannel.close();
  });
  return {
    files: createGrpcClient(FileServiceDefinition, fileChannel, options),
    users: createGrpcClient(UserDirectoryDefinition, authChannel, options),
  };
}

export type ServiceClients = ReturnType<typeof createServiceClients>;
