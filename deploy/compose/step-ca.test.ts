/**
 * step-ca in docker-compose.yml: step-ca-init's own command runs against temp copies of its
 * volumes, then every private key is looked for in every volume each container mounts. (The CA
 * and a service's certificate, run for real, are step-ca/compose-init.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { type Any, filesUnder, ROOT } from "@hangout/platform/testing/repository";
import { namedMounts, resolveComposeVars, services } from "./compose.ts";

/** Every file under `dir`, absolute. */
const allFiles = (dir: string): string[] => (existsSync(dir) ? filesUnder(dir) : []);

describe("docker-compose.yml: step-ca and who holds which key", () => {
  const init = services["step-ca-init"];
  const initMounts = namedMounts(init);
  const args: string[] = init.command.slice(2).map(String);
  const arg = (flag: string) => args[args.indexOf(flag) + 1]!;
  const grpcServices = Object.entries(services).filter(([, svc]) => svc.environment?.STEP_CA_URL);
  let tmp = "";
  const volumeDir = (volume: string) => join(tmp, volume);
  /** A path inside a container, in the temp copy of the volume mounted there. */
  const onDisk = (svc: Any, path: string) => {
    const mount = namedMounts(svc).find((m) => path.startsWith(`${m.target}/`));
    return mount && join(volumeDir(mount.volume), path.slice(mount.target.length));
  };

  // Runs the job's own command, with its volumes as temp folders and --owner as ourselves.
  const remap = (value: string): string => {
    const eq = value.indexOf("=");
    if (eq > 0 && !value.startsWith("/"))
      return `${value.slice(0, eq + 1)}${remap(value.slice(eq + 1))}`;
    const mount = initMounts.find((m) => value === m.target || value.startsWith(`${m.target}/`));
    return mount ? volumeDir(mount.volume) + value.slice(mount.target.length) : value;
  };
  let run: { exitCode: number; stderr: string };
  let pkiKeys: string[] = [];
  const pkiText = (rel: string) => readFileSync(join(remap(arg("--pki")), rel), "utf8");

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), "compose-step-ca-"));
    const runArgs = args.map((a, i) =>
      args[i - 1] === "--owner" ? `${process.getuid!()}:${process.getgid!()}` : remap(a),
    );
    const proc = Bun.spawnSync([process.execPath, init.command[1], ...runArgs], {
      cwd: ROOT,
      stdout: "pipe",
      stderr: "pipe",
    });
    run = { exitCode: proc.exitCode, stderr: proc.stderr.toString() };
    const keys = join(remap(arg("--pki")), "secrets/provisioners");
    pkiKeys = existsSync(keys) ? readdirSync(keys).map((f) => f.replace(/\.json$/, "")) : [];
  });

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });
  /** Every private key the PKI holds, by name. */
  const secrets = (): Record<string, string> => ({
    root: pkiText("secrets/root_ca_key"),
    intermediate: pkiText("secrets/intermediate_ca_key"),
    ...Object.fromEntries(
      pkiKeys.map((k) => [`provisioner ${k}`, pkiText(`secrets/provisioners/${k}.json`)]),
    ),
  });
  const mountersOf = (volume: string) =>
    Object.entries(services)
      .filter(([, svc]) => namedMounts(svc).some((m) => m.volume === volume))
      .map(([name]) => name)
      .sort();

  test("step-ca-init: our image as root, writing for uid 1000, 1h leaves, the CA on :9443", () => {
    expect(init.image).toBe(services.auth.image);
    expect(init.user).toBe("0:0");
    expect(init.command.slice(0, 2)).toEqual(["bun", "step-ca/compose-init.ts"]);
    expect(arg("--owner")).toBe("1000:1000");
    expect(arg("--cert-duration")).toBe("1h");
    expect(arg("--address")).toBe(":9443");
    expect(existsSync(join(ROOT, init.command[1]))).toBe(true);
  });

  test("step-ca-init runs (remapped to temp folders) and writes every folder", () => {
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    expect(pkiKeys.sort()).toEqual(["auth", "file", "hangout", "media", "notification"]);
  });

  test("the PKI volume (root key, every provisioner key) is mounted by step-ca-init only", () => {
    const pki = initMounts.find((m) => m.target === arg("--pki"))!;
    expect(mountersOf(pki.volume)).toEqual(["step-ca-init"]);
  });

  test("step-ca: the official image on the CA volume, which has no root or provisioner key", () => {
    const ca = services["step-ca"];
    expect(ca.image).toStartWith("smallstep/step-ca:");
    const caVolume = initMounts.find((m) => m.target === arg("--ca"))!.volume;
    expect(namedMounts(ca)).toEqual([
      { volume: caVolume, target: arg("--ca-path"), readOnly: false }, // step-ca writes db/
    ]);
    expect(mountersOf(caVolume)).toEqual(["step-ca", "step-ca-init"]);
    // ca.json names files that exist in the volume, as step-ca sees it
    const configPath = onDisk(ca, `${arg("--ca-path")}/config/ca.json`)!;
    const config = JSON.parse(readFileSync(configPath, "utf8"));
    for (const path of [config.root, config.crt, config.key]) {
      expect({ path, exists: existsSync(onDisk(ca, path) ?? "") }).toEqual({ path, exists: true });
    }
    expect(config.db.dataSource.startsWith(`${arg("--ca-path")}/`)).toBe(true);
    expect(config.address).toBe(arg("--address"));
    expect(config.dnsNames).toContain("step-ca");
    const { intermediate, ...others } = secrets();
    const contents = allFiles(volumeDir(caVolume)).map((f) => readFileSync(f, "utf8"));
    expect(contents).toContain(intermediate!);
    for (const [name, secret] of Object.entries(others))
      expect({ name, inCaVolume: contents.includes(secret) }).toEqual({ name, inCaVolume: false });
    // the healthcheck trusts the root in that volume and asks the CA's own port
    const health: string[] = ca.healthcheck.test;
    expect(existsSync(onDisk(ca, health[health.indexOf("--root") + 1]!)!)).toBe(true);
    const port = arg("--address").split(":").at(-1);
    expect(health[health.indexOf("--ca-url") + 1]).toBe(`https://127.0.0.1:${port}`);
    expect(resolveComposeVars(ca.ports[0])).toBe(`127.0.0.1:${port}:${port}`);
  });

  test("the mTLS services are auth, file, hangout, notification and media, each handed out by step-ca-init", () => {
    expect(grpcServices.map(([name]) => name).sort()).toEqual([
      "auth",
      "file",
      "hangout",
      "media",
      "notification",
    ]);
    const handedOut = args
      .filter((_, i) => args[i - 1] === "--service")
      .map((s) => s.split("=")[0])
      .sort();
    expect(handedOut).toEqual(["auth", "file", "hangout", "media", "notification"]);
  });

  for (const name of ["auth", "file", "hangout", "notification", "media"]) {
    test(`${name}: the CA URL, 1h certificates, and after step-ca-init and a healthy CA`, () => {
      const svc = services[name];
      const env = svc.environment;
      const port = arg("--address").split(":").at(-1);
      expect(env.STEP_CA_URL).toBe(`https://step-ca:${port}`);
      expect(env.CERT_LIFETIME).toBe(arg("--cert-duration"));
      expect(svc.depends_on["step-ca-init"].condition).toBe("service_completed_successfully");
      expect(svc.depends_on["step-ca"].condition).toBe("service_healthy");
    });

    test(`${name}: the root and its own provisioner key are mounted, read-only, from its own volume`, () => {
      const svc = services[name];
      const env = svc.environment;
      const rootFile = onDisk(svc, env.STEP_CA_ROOT_FILE);
      const keyFile = onDisk(svc, env.STEP_CA_PROVISIONER_KEY_FILE);
      expect(rootFile && readFileSync(rootFile, "utf8")).toBe(pkiText("certs/root_ca.crt"));
      expect(keyFile && readFileSync(keyFile, "utf8")).toBe(
        pkiText(`secrets/provisioners/${name}.json`),
      );
      expect(JSON.parse(readFileSync(keyFile!, "utf8")).d).toBeString(); // a private JWK
      expect(env.STEP_CA_PROVISIONER_KEY_FILE).toEndWith(`/${name}.json`);
      for (const path of [env.STEP_CA_ROOT_FILE, env.STEP_CA_PROVISIONER_KEY_FILE]) {
        const mount = namedMounts(svc).find((m) => path.startsWith(`${m.target}/`))!;
        expect({ path, readOnly: mount.readOnly }).toEqual({ path, readOnly: true });
        // nobody but step-ca-init and this service mounts that volume
        expect(mountersOf(mount.volume)).toEqual([name, "step-ca-init"].sort());
      }
    });

    test(`${name}: no volume it mounts holds another service's key or a CA key`, () => {
      const svc = services[name];
      const { [`provisioner ${name}`]: own, ...others } = secrets();
      expect(own).toBeDefined();
      const mounted = namedMounts(svc).flatMap((m) => allFiles(volumeDir(m.volume)));
      expect(mounted.length).toBeGreaterThan(0);
      for (const file of mounted) {
        const content = readFileSync(file, "utf8");
        for (const [secret, value] of Object.entries(others))
          expect({ file: relative(tmp, file), secret, leaked: content === value }).toEqual({
            file: relative(tmp, file),
            secret,
            leaked: false,
          });
      }
    });
  }
});
