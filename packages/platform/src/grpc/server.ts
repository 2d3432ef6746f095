import * as grpc from "@grpc/grpc-js";
import { createServer, type Server } from "nice-grpc";
import { HealthDefinition, HealthServiceImpl } from "nice-grpc-server-health";
import type { Logger } from "pino";
import type { CertificateManager } from "../certificates/certificate-manager.ts";

export interface GrpcServerOptions {
  certificates: CertificateManager;
  /** Service names (certificate identities) allowed to call; anyone else gets PERMISSION_DENIED. */
  allowedCallers: string[];
  logger: Logger;
  /**
   * Connections are closed (gracefully) after this long, so long-lived channels reconnect and
   * pick up rotated certificates on both sides. Default 5 minutes.
   */
  maxConnectionAgeMs?: number;
}

/** The identity of the caller: the DNS SAN (= CN) of its client certificate, which step-ca pins. */
export function callerIdentity(call: grpc.ServerInterceptingCallInterface): string | undefined {
  const certificate = call.getAuthContext()?.sslPeerCertificate;
  const san = certificate?.subjectaltname?.match(/DNS:([^,\s]+)/)?.[1];
  const cn = certificate?.subject?.CN;
  return san ?? (Array.isArray(cn) ? cn[0] : cn);
}

/**
 * A nice-grpc server that requires a client certificate from our CA (mTLS) and lets only the
 * allowed identities call any method, grpc.health.v1 included. Certificates rotate in place.
 */
export function createGrpcServer(options: GrpcServerOptions): {
  server: Server;
  listen(address: string): Promise<number>;
  shutdown(): Promise<void>;
} {
  const allowed = new Set(options.allowedCallers);
  const authorize: grpc.ServerInterceptor = (method, call) =>
    new grpc.ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, nextMetadata) {
            const caller = callerIdentity(call);
            if (caller && allowed.has(caller)) {
              const serial = call.getAuthContext()?.sslPeerCertificate?.serialNumber;
              options.logger.debug({ caller, serial, method: method.path }, "gRPC call");
              return nextMetadata(metadata);
            }
            options.logger.warn({ caller, method: method.path }, "gRPC caller not allowed");
            call.sendStatus({
              code: grpc.status.PERMISSION_DENIED,
              details: `caller ${caller ?? "(unknown)"} may not call ${method.path}`,
              metadata: new grpc.Metadata(),
            });
          },
        });
      },
    });
  const server = createServer({
    interceptors: [authorize],
    "grpc.max_connection_age_ms": options.maxConnectionAgeMs ?? 300_000,
    "grpc.max_connection_age_grace_ms": 30_000,
  } as grpc.ServerOptions);
  server.add(HealthDefinition, HealthServiceImpl());

  // The same provider for both arguments: grpc-js 1.14 swaps them internally.
  const provider = options.certificates.provider;
  const credentials = grpc.experimental.createCertificateProviderServerCredentials(
    provider,
    provider,
    true,
  );
  return {
    server,
    listen: (address) => server.listen(address, credentials),
    shutdown: () => server.shutdown(),
  };
}
