import type { CertificateManager } from "@hangout/platform/certificates/certificate-manager";
import { createGrpcClient, createMtlsChannel } from "@hangout/platform/grpc/client";
import type { Platform } from "@hangout/platform/platform";
import { UserDirectoryDefinition } from "@hangout/proto/auth/v1/user_directory";
import type { NotificationConfig } from "../config.ts";

/** A user as auth knows them now: where to write and how to greet them. */
export interface DirectoryUser {
  id: string;
  email: string;
  name: string;
}

export interface UserDirectory {
  /** The users among `ids` that exist; unknown (deleted) ones are absent from the map. */
  byIds(ids: readonly string[]): Promise<Map<string, DirectoryUser>>;
}

/** What auth's UserDirectory answers in one call. */
const MAX_PER_CALL = 100;

/**
 * auth's UserDirectory over mTLS (the server must present the `auth` identity), traced and with a
 * deadline. Events carry user ids only: addresses and names are looked up when an email is sent.
 */
export function createUserDirectory(
  config: NotificationConfig,
  certificates: CertificateManager,
  platform: Platform,
): UserDirectory {
  const channel = createMtlsChannel(config.AUTH_GRPC_TARGET, "auth", certificates);
  platform.lifecycle.onClose("grpc-clients", () => channel.close());
  const client = createGrpcClient(UserDirectoryDefinition, channel, {
    timeoutMs: config.GRPC_TIMEOUT_MS,
    registry: platform.metrics.registry,
  });
  return {
    async byIds(ids) {
      const unique = [...new Set(ids)];
      const found = new Map<string, DirectoryUser>();
      for (let i = 0; i < unique.length; i += MAX_PER_CALL) {
        const { users } = await client.getUsersByIds({ ids: unique.slice(i, i + MAX_PER_CALL) });
        for (const user of users) {
          found.set(user.id, { id: user.id, email: user.email, name: user.name });
        }
      }
      return found;
    },
  };
}
