import type { Logger } from "pino";
import { Gauge, type Registry } from "prom-client";
import type { ReadinessCheck } from "../health.ts";
import { RotatingCertificateProvider } from "./certificate-provider.ts";
import { createKeyAndCsr } from "./csr.ts";
import { parseCertificate, splitPemChain } from "./pem.ts";
import type { CertificateIssuer, IssuedCertificate } from "./step-ca-issuer.ts";

export interface CurrentCertificate extends IssuedCertificate {
  serial: string;
  notBefore: Date;
  notAfter: Date;
}

export interface CertificateManagerOptions {
  service: string;
  issuer: CertificateIssuer;
  /** Requested lifetime, a Go duration ("1h", "5m"). */
  lifetime: string;
  logger: Logger;
  registry?: Registry;
  /** Renew after this fraction of the lifetime (default 2/3, as `step ca renew --daemon`). */
  renewAt?: number;
  /** Random spread around that point, as a fraction of the lifetime (default 0.05). */
  jitter?: number;
  /** Backoff between failed attempts (default 1 s doubling to 30 s). */
  retry?: { initialMs: number; maxMs: number };
}

/**
 * A service's own certificate: obtained at start, renewed at about two thirds of its lifetime
 * (with jitter, so a fleet does not renew at once), swapped into running gRPC servers and
 * channels through `provider`. When the CA is down it keeps the current certificate and retries
 * with backoff; once the certificate has expired (step-ca refuses to renew those) it starts over
 * with a new key and a one-time token, so it recovers by itself when the CA is back.
 */
export class CertificateManager {
  readonly provider = new RotatingCertificateProvider();
  private current?: CurrentCertificate;
  private timer?: Timer;
  private stopped = false;
  private readonly renewAt: number;
  private readonly jitter: number;
  private readonly retry: { initialMs: number; maxMs: number };

  constructor(private readonly options: CertificateManagerOptions) {
    this.renewAt = options.renewAt ?? 2 / 3;
    this.jitter = options.jitter ?? 0.05;
    this.retry = options.retry ?? { initialMs: 1000, maxMs: 30_000 };
    if (options.registry) {
      const manager = this;
      new Gauge({
        name: "certificate_expiry_timestamp_seconds",
        help: "When the service's current mTLS certificate expires (Unix seconds)",
        registers: [options.registry],
        collect() {
          if (manager.current) this.set(manager.current.notAfter.getTime() / 1000);
        },
      });
    }
  }

  get certificate(): CurrentCertificate | undefined {
    return this.current;
  }

  /** Resolves once the first certificate is installed; retries until then. */
  async start(): Promise<void> {
    await this.untilSuccess(() => this.obtainNew());
    this.schedule();
  }

  /** Renews now (the schedule calls this; tests trigger it). Throws when the CA refuses. */
  async renew(): Promise<void> {
    const current = this.current;
    if (!current) throw new Error("no certificate yet");
    if (current.notAfter.getTime() <= Date.now()) return this.obtainNew();
    this.install(await this.options.issuer.renew(current), current.keyPem);
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** `/readyz` fails once the certificate has expired. */
  readinessCheck(): ReadinessCheck {
    return {
      name: "certificate",
      check: async () => {
        if (!this.current) throw new Error("no certificate yet");
        if (this.current.notAfter.getTime() <= Date.now()) {
          throw new Error(`expired at ${this.current.notAfter.toISOString()}`);
        }
      },
    };
  }

  private async obtainNew() {
    const { keyPem, csrPem } = await createKeyAndCsr(this.options.service);
    this.install(
      await this.options.issuer.sign(this.options.service, csrPem, this.options.lifetime),
      keyPem,
    );
  }

  private install(chainPem: string, keyPem: string) {
    const leaf = parseCertificate(splitPemChain(chainPem)[0] ?? "");
    this.current = {
      chainPem,
      keyPem,
      serial: leaf.serialNumber,
      notBefore: leaf.notBefore,
      notAfter: leaf.notAfter,
    };
    this.provider.update(this.options.issuer.rootPem, chainPem, keyPem);
    this.options.logger.info(
      { serial: leaf.serialNumber, notAfter: leaf.notAfter.toISOString() },
      "certificate installed",
    );
  }

  private schedule() {
    if (this.stopped || !this.current) return;
    const { notBefore, notAfter } = this.current;
    const lifetime = notAfter.getTime() - notBefore.getTime();
    const spread = (Math.random() * 2 - 1) * this.jitter * lifetime;
    const at = notBefore.getTime() + lifetime * this.renewAt + spread;
    this.timer = setTimeout(
      async () => {
        await this.untilSuccess(() => this.renew());
        this.schedule();
      },
      Math.max(0, at - Date.now()),
    );
  }

  private async untilSuccess(attempt: () => Promise<void>) {
    for (
      let delay = this.retry.initialMs;
      !this.stopped;
      delay = Math.min(delay * 2, this.retry.maxMs)
    ) {
      try {
        return await attempt();
      } catch (error) {
        this.options.logger.warn(
          { err: error, retryInMs: delay, expiresAt: this.current?.notAfter.toISOString() },
          "certificate request failed; keeping the current certificate",
        );
        await Bun.sleep(delay);
      }
    }
  }
}
