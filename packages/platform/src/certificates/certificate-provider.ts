import type { experimental } from "@grpc/grpc-js";

type Provider = experimental.CertificateProvider;
type CaListener = Parameters<Provider["addCaCertificateListener"]>[0];
type IdentityListener = Parameters<Provider["addIdentityCertificateListener"]>[0];

/**
 * A grpc-js certificate provider fed in memory: every `update` reaches running servers (new
 * connections get the new certificate) and channels without a restart. grpc-js must receive the
 * current value asynchronously after adding a listener, or it misses the initial identity.
 */
export class RotatingCertificateProvider implements Provider {
  private ca?: Buffer;
  private identity?: { certificate: Buffer; privateKey: Buffer };
  private readonly caListeners = new Set<CaListener>();
  private readonly identityListeners = new Set<IdentityListener>();

  update(rootPem: string, chainPem: string, keyPem: string) {
    this.ca = Buffer.from(rootPem);
    this.identity = { certificate: Buffer.from(chainPem), privateKey: Buffer.from(keyPem) };
    for (const listener of this.caListeners) listener({ caCertificate: this.ca });
    for (const listener of this.identityListeners) listener(this.identity);
  }

  addCaCertificateListener(listener: CaListener) {
    this.caListeners.add(listener);
    const ca = this.ca;
    if (ca) process.nextTick(() => listener({ caCertificate: ca }));
  }

  removeCaCertificateListener(listener: CaListener) {
    this.caListeners.delete(listener);
  }

  addIdentityCertificateListener(listener: IdentityListener) {
    this.identityListeners.add(listener);
    const identity = this.identity;
    if (identity) process.nextTick(() => listener(identity));
  }

  removeIdentityCertificateListener(listener: IdentityListener) {
    this.identityListeners.delete(listener);
  }
}
