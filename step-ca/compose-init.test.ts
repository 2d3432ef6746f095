// compose-init.ts against the real step-ca: the CA runs from the CA folder alone (no root key, no
// provisioner key), and a service gets its certificate with nothing but its own folder, through
// the same issuer and certificate manager the services use. The compose wiring itself (which
// volume each container mounts) is checked in deploy/compose/step-ca.test.ts.
import "reflect-metadata";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cp, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CertificateManager } from "@hangout/platform/certificates/certificate-manager";
import { stepCaIssuer } from "@hangout/platform/certificates/step-ca-issuer";
import { createLogger } from "@hangout/platform/logger";
import { freePort } from "@hangout/platform/testing/ports";
import * as x509 from "@peculiar/x509";
import {
  type ComposeInitOptions,
  type ComposeInitResult,
  composeInit,
  SERVICE_ROOT_CERT,
  serviceProvisionerKey,
} from "./compose-init.ts";
import { ensureStepCaBinary, type RunningStepCa, startStepCa } from "./run.ts";

let dir: string;
let options: ComposeInitOptions;
let result: ComposeInitResult;
let ca: RunningStepCa;

/** Every file under `root` (relative, sorted), leaving out step-ca's own db/. */
async function filesUnder(root: string, rel = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(root, rel), { withFileTypes: true })) {
    const path = rel ? `${rel}/${entry.name}` : entry.name;
    if (path === "db") continue;
    if (entry.isDirectory()) out.push(...(await filesUnder(root, path)));
    else out.push(path);
  }
  return out.sort();
}

const mode = async (path: string) => (await stat(path)).mode & 0o777;
const text = (path: string) => Bun.file(path).text();

beforeAll(async () => {
  const binary = await ensureStepCaBinary(); // a cold build takes minutes on a busy machine
  dir = await mkdtemp(join(tmpdir(), "step-ca-compose-"));
  options = {
    pkiDir: join(dir, "pki"),
    caDir: join(dir, "ca"),
    // The CA runs on this machine here, so ca.json names the local folder (compose: /home/step).
    caPath: join(dir, "ca"),
    address: `127.0.0.1:${freePort()}`,
    certDuration: "1h",
    services: {
      auth: join(dir, "auth"),
      file: join(dir, "file"),
      hangout: join(dir, "hangout"),
      notification: join(dir, "notification"),
      media: join(dir, "media"),
    },
    // chown to ourselves: the code path of compose's --owner 1000:1000, without needing root
    owner: { uid: process.getuid!(), gid: process.getgid!() },
  };
  result = await composeInit(options);
  ca = await startStepCa({ binary, dir: options.caDir });
}, 600_000);

afterAll(async () => {
  await ca?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("compose-init", () => {
  test("the CA folder holds what step-ca needs, without the root key or any provisioner key", async () => {
    expect(await filesUnder(options.caDir)).toEqual(
      [
        "certs/intermediate_ca.crt",
        "certs/root_ca.crt",
        "config/ca.json",
        "secrets/intermediate_ca_key",
        "secrets/password",
      ].sort(),
    );
    expect(await mode(join(options.caDir, "secrets"))).toBe(0o700);
    expect(await mode(join(options.caDir, "secrets/intermediate_ca_key"))).toBe(0o600);
    expect(await mode(join(options.caDir, "secrets/password"))).toBe(0o600);
    // ca.json points only into the CA folder
    const config = await Bun.file(join(options.caDir, "config/ca.json")).json();
    for (const path of [config.root, config.crt, config.key]) {
      expect(path.startsWith(`${options.caPath}/`)).toBe(true);
      expect(await Bun.file(path).exists()).toBe(true);
    }
    expect(config.db.dataSource).toBe(`${options.caPath}/db`);
    expect(config.authority.claims.defaultTLSCertDuration).toBe("1h");
  });

  test("each service folder holds the root certificate and its own provisioner key, nothing else", async () => {
    const rootPem = await text(result.pki.rootCert);
    for (const [service, folder] of Object.entries(options.services)) {
      expect(await filesUnder(folder)).toEqual(
        [SERVICE_ROOT_CERT, serviceProvisionerKey(service)].sort(),
      );
      const files = result.services[service]!;
      expect(await text(files.rootCert)).toBe(rootPem);
      expect(await text(files.provisionerKey)).toBe(await text(result.pki.provisioners[service]!));
      expect(await mode(files.provisionerKey)).toBe(0o600);
      expect(await mode(join(folder, "secrets"))).toBe(0o700);
      expect(await mode(files.rootCert)).toBe(0o644);
    }
    // every provisioner of the PKI is handed out (compose runs every gRPC service)
    expect(Object.keys(result.services).sort()).toEqual(
      Object.keys(result.pki.provisioners).sort(),
    );
    expect(await mode(options.pkiDir)).toBe(0o700);
  });

  test("step-ca runs from the CA folder and a service gets its certificate from its own folder alone", async () => {
    const folder = result.services.file!;
    const manager = new CertificateManager({
      service: "file",
      lifetime: "1h",
      logger: createLogger({ service: "test", level: "silent" }),
      retry: { initialMs: 50, maxMs: 200 },
      issuer: stepCaIssuer({
        url: ca.url,
        rootPem: await text(folder.rootCert),
        provisioner: "file",
        provisionerKey: await Bun.file(folder.provisionerKey).json(),
      }),
    });
    try {
      await manager.start();
      const leaf = new x509.X509Certificate(manager.certificate!.chainPem);
      expect(leaf.subject).toBe("CN=file");
      expect(leaf.getExtension(x509.SubjectAlternativeNameExtension)!.names.toJSON()).toEqual([
        { type: "dns", value: "file" },
      ]);
      const hours = (leaf.notAfter.getTime() - Date.now()) / 3_600_000;
      expect(hours).toBeGreaterThan(0.9);
      expect(hours).toBeLessThanOrEqual(1.01);
    } finally {
      manager.stop();
    }
  }, 30_000);

  test("a second run keeps every key, and removes what does not belong (step-ca's db stays)", async () => {
    const paths = [
      result.pki.rootKey,
      result.pki.intermediateKey,
      join(options.caDir, "config/ca.json"),
      ...Object.values(result.services).flatMap((f) => [f.rootCert, f.provisionerKey]),
    ];
    const before = await Promise.all(paths.map(text));
    // Stray secrets, as an older layout or a mistake would leave them.
    const authFolder = options.services.auth!;
    await cp(result.pki.provisioners.file!, join(authFolder, "secrets/provisioners/file.json"));
    await cp(result.pki.rootKey, join(options.caDir, "secrets/root_ca_key"));
    await writeFile(join(options.caDir, "config/ca.json.tmp-1"), "{}");
    const dbBefore = await readdir(join(options.caDir, "db"));
    expect(dbBefore.length).toBeGreaterThan(0); // step-ca made it

    const again = await composeInit(options);
    expect(await Promise.all(paths.map(text))).toEqual(before);
    expect(again.removed.sort()).toEqual(
      [
        join(authFolder, "secrets/provisioners/file.json"),
        join(options.caDir, "config/ca.json.tmp-1"),
        join(options.caDir, "secrets/root_ca_key"),
      ].sort(),
    );
    expect(await filesUnder(authFolder)).toEqual(
      [SERVICE_ROOT_CERT, serviceProvisionerKey("auth")].sort(),
    );
    expect(await readdir(join(options.caDir, "db"))).toEqual(dbBefore);
    expect(await (await fetch(`${ca.url}/health`, { tls: { ca: ca.rootPem } })).json()).toEqual({
      status: "ok",
    });
  });

  test("refuses overlapping folders and services without a provisioner", async () => {
    await expect(
      composeInit({ ...options, services: { auth: join(options.pkiDir, "auth") } }),
    ).rejects.toThrow(/overlap/);
    await expect(composeInit({ ...options, services: { auth: options.caDir } })).rejects.toThrow(
      /overlap/,
    );
    await expect(
      composeInit({ ...options, services: { billing: join(dir, "billing") } }),
    ).rejects.toThrow(/unknown service "billing"/);
  });
});
