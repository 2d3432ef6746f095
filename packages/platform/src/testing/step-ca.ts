import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BootstrapResult, bootstrapCa } from "../../../../step-ca/bootstrap.ts";
import { ensureStepCaBinary, type RunningStepCa, startStepCa } from "../../../../step-ca/run.ts";
import {
  CertificateManager,
  type CertificateManagerOptions,
} from "../certificates/certificate-manager.ts";
import { stepCaIssuer } from "../certificates/step-ca-issuer.ts";
import { createLogger } from "../logger.ts";
import { freePort } from "./ports.ts";

export interface TestCa {
  pki: BootstrapResult;
  /** The running CA; `restart()` replaces it. */
  ca: RunningStepCa;
  restart(): Promise<void>;
  /** A certificate manager for `service` using its own provisioner key (not started). */
  managerFor(
    service: string,
    options?: Partial<Omit<CertificateManagerOptions, "service" | "issuer">>,
  ): Promise<CertificateManager>;
  /** The environment that points `service` at this CA (its URL, root and provisioner key). */
  envFor(service: string): Record<string, string>;
  stop(): Promise<void>;
}

/**
 * A real step-ca (built by scripts/ensure-step-ca.sh on first use) bootstrapped into a temp
 * folder on a free loopback port, for tests that need real certificates.
 */
export async function startTestCa(): Promise<TestCa> {
  const binary = await ensureStepCaBinary();
  const pki = await bootstrapCa({
    dir: await mkdtemp(join(tmpdir(), "step-ca-")),
    address: `127.0.0.1:${freePort()}`,
  });
  const testCa: TestCa = {
    pki,
    ca: await startStepCa({ binary, dir: pki.dir }),
    async restart() {
      testCa.ca = await startStepCa({ binary, dir: pki.dir });
    },
    async managerFor(service, options = {}) {
      return new CertificateManager({
        lifetime: "10m",
        logger: createLogger({ service: "test", level: "silent" }),
        retry: { initialMs: 50, maxMs: 200 },
        ...options,
        service,
        issuer: stepCaIssuer({
          url: testCa.ca.url,
          rootPem: testCa.ca.rootPem,
          provisioner: service,
          provisionerKey: await Bun.file(pki.provisioners[service]!).json(),
        }),
      });
    },
    envFor: (service) => ({
      STEP_CA_URL: testCa.ca.url,
      STEP_CA_ROOT_FILE: pki.rootCert,
      STEP_CA_PROVISIONER_KEY_FILE: pki.provisioners[service]!,
    }),
    stop: () => testCa.ca.stop(),
  };
  return testCa;
}
