// The one-shot `step-ca-init` job of docker-compose.yml. It runs bootstrap.ts (idempotent) and
// hands each party only what it needs, each in its own named volume:
//
//   --pki  (this job only)         all bootstrap output: root key, intermediate key, every
//                                  provisioner key. The source of truth across runs.
//   --ca   (step-ca, at --ca-path) config/ca.json, certs/root_ca.crt, certs/intermediate_ca.crt,
//                                  secrets/intermediate_ca_key, secrets/password; step-ca adds db/.
//                                  No root key and no provisioner key: the running CA needs neither.
//   --service <name>=<dir>         certs/root_ca.crt and secrets/provisioners/<name>.json, nothing
//                                  else (the layout of .data/step-ca, so the config defaults fit).
//
// Anything else found in the CA or a service folder is removed (step-ca's db/ is kept), so a
// folder never holds more than its reader should have. Files are rewritten only when they
// changed, atomically (temp file + rename). With --owner every folder and file written is
// chowned to that uid:gid: the job runs as root, and its readers do not (uid 1000 is `step` in
// smallstep/step-ca and `bun` in our image). Secrets are 0600 in 0700 folders.
//
//   bun step-ca/compose-init.ts --pki /pki --ca /ca --ca-path /home/step --address :9443 \
//     --cert-duration 1h --owner 1000:1000 --service auth=/out/auth --service file=/out/file \
//     --service hangout=/out/hangout --service notification=/out/notification
import { chmod, chown, mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { parseArgs } from "node:util";
import { type BootstrapResult, bootstrapCa, SERVICES } from "./bootstrap.ts";

export interface Owner {
  uid: number;
  gid: number;
}

export interface ComposeInitOptions {
  /** Where bootstrapCa writes (the only place with the root key and all provisioner keys). */
  pkiDir: string;
  /** The folder step-ca runs from. */
  caDir: string;
  /** Where `caDir` is mounted in the step-ca container (the paths inside ca.json). */
  caPath: string;
  /** step-ca's listen address (ca.json `address`). */
  address?: string;
  /** Default leaf lifetime (Go duration). */
  certDuration?: string;
  /** service name -> its folder; each gets the root certificate and its own provisioner key. */
  services: Record<string, string>;
  /** chown everything written to this uid:gid (needs root). */
  owner?: Owner;
}

export interface ComposeInitResult {
  pki: BootstrapResult;
  /** Paths written into the CA folder, relative to it. */
  caFiles: string[];
  /** service -> absolute paths of its root certificate and provisioner key. */
  services: Record<string, { rootCert: string; provisionerKey: string }>;
  /** Paths removed because they did not belong in their folder. */
  removed: string[];
}

/** Inside every service folder: the same layout as .data/step-ca. */
export const SERVICE_ROOT_CERT = "certs/root_ca.crt";
export const serviceProvisionerKey = (service: string) => `secrets/provisioners/${service}.json`;

/** What the running CA needs, relative to the CA folder, with modes; db/ is step-ca's own. */
const CA_FILES: [string, number][] = [
  ["config/ca.json", 0o644],
  ["certs/root_ca.crt", 0o644],
  ["certs/intermediate_ca.crt", 0o644],
  ["secrets/intermediate_ca_key", 0o600],
  ["secrets/password", 0o600],
];
const CA_KEEP = ["db"];

const dirMode = (rel: string) => (rel.split("/")[0] === "secrets" ? 0o700 : 0o755);

async function own(path: string, mode: number, owner?: Owner) {
  await chmod(path, mode);
  if (owner) await chown(path, owner.uid, owner.gid);
}

/** Creates `rel`'s parent folders under `root` with their modes and owner (root itself too). */
async function ensureParents(root: string, rel: string, owner?: Owner) {
  await mkdir(root, { recursive: true });
  await own(root, 0o755, owner);
  const parts = dirname(rel)
    .split("/")
    .filter((p) => p !== ".");
  for (let i = 1; i <= parts.length; i++) {
    const sub = parts.slice(0, i).join("/");
    await mkdir(join(root, sub), { recursive: true });
    await own(join(root, sub), dirMode(sub), owner);
  }
}

/** Copies `from` to `root/rel` when the content differs; mode and owner are set either way. */
async function place(from: string, root: string, rel: string, mode: number, owner?: Owner) {
  await ensureParents(root, rel, owner);
  const target = join(root, rel);
  const bytes = Buffer.from(await Bun.file(from).arrayBuffer());
  const current = Bun.file(target);
  const same = (await current.exists()) && Buffer.from(await current.arrayBuffer()).equals(bytes);
  if (!same) {
    // Mode and owner are right before the file appears under its name: no window where a
    // secret is readable by anyone else.
    const temp = `${target}.tmp-${process.pid}`;
    await writeFile(temp, bytes, { mode });
    await own(temp, mode, owner);
    await rename(temp, target);
  }
  await own(target, mode, owner);
}

/** Removes everything under `root` that is neither in `keep` nor a folder leading to one. */
async function prune(root: string, keep: string[], rel = ""): Promise<string[]> {
  const removed: string[] = [];
  for (const entry of await readdir(join(root, rel), { withFileTypes: true })) {
    const path = rel ? `${rel}/${entry.name}` : entry.name;
    if (keep.includes(path)) continue;
    if (entry.isDirectory() && keep.some((k) => k.startsWith(`${path}/`))) {
      removed.push(...(await prune(root, keep, path)));
      continue;
    }
    await rm(join(root, path), { recursive: true, force: true });
    removed.push(join(root, path));
  }
  return removed;
}

const inside = (parent: string, child: string) =>
  child === parent || child.startsWith(parent.endsWith(sep) ? parent : parent + sep);

export async function composeInit(options: ComposeInitOptions): Promise<ComposeInitResult> {
  const pkiDir = resolve(options.pkiDir);
  const caDir = resolve(options.caDir);
  const serviceDirs = Object.entries(options.services).map(
    ([name, dir]) => [name, resolve(dir)] as const,
  );
  for (const [name] of serviceDirs) {
    if (!(SERVICES as readonly string[]).includes(name)) {
      throw new Error(`unknown service "${name}" (provisioners: ${SERVICES.join(", ")})`);
    }
  }
  // Folders that overlap would hand one reader another's secrets.
  const folders = [pkiDir, caDir, ...serviceDirs.map(([, dir]) => dir)];
  for (const [i, a] of folders.entries()) {
    for (const b of folders.slice(i + 1)) {
      if (inside(a, b) || inside(b, a)) throw new Error(`folders overlap: ${a} and ${b}`);
    }
  }

  const pki = await bootstrapCa({
    dir: pkiDir,
    address: options.address,
    certDuration: options.certDuration,
    pathPrefix: options.caPath,
  });
  await chmod(pkiDir, 0o700); // nobody but this job reads it; the job runs as root

  const removed: string[] = [];
  await ensureParents(caDir, "config/ca.json", options.owner);
  removed.push(...(await prune(caDir, [...CA_FILES.map(([rel]) => rel), ...CA_KEEP])));
  for (const [rel, mode] of CA_FILES) {
    await place(join(pkiDir, rel), caDir, rel, mode, options.owner);
  }

  const services: ComposeInitResult["services"] = {};
  for (const [name, dir] of serviceDirs) {
    const keyRel = serviceProvisionerKey(name);
    await ensureParents(dir, keyRel, options.owner);
    removed.push(...(await prune(dir, [SERVICE_ROOT_CERT, keyRel])));
    await place(pki.rootCert, dir, SERVICE_ROOT_CERT, 0o644, options.owner);
    await place(pki.provisioners[name]!, dir, keyRel, 0o600, options.owner);
    services[name] = { rootCert: join(dir, SERVICE_ROOT_CERT), provisionerKey: join(dir, keyRel) };
  }
  return { pki, caFiles: CA_FILES.map(([rel]) => rel), services, removed };
}

function parseOwner(value: string): Owner {
  const match = /^(\d+):(\d+)$/.exec(value);
  if (!match) throw new Error(`--owner must be uid:gid, got "${value}"`);
  return { uid: Number(match[1]), gid: Number(match[2]) };
}

function parseService(value: string): [string, string] {
  const at = value.indexOf("=");
  if (at <= 0 || at === value.length - 1) {
    throw new Error(`--service must be name=folder, got "${value}"`);
  }
  return [value.slice(0, at), value.slice(at + 1)];
}

if (import.meta.main) {
  try {
    const { values } = parseArgs({
      options: {
        pki: { type: "string" },
        ca: { type: "string" },
        "ca-path": { type: "string" },
        address: { type: "string" },
        "cert-duration": { type: "string" },
        owner: { type: "string" },
        service: { type: "string", multiple: true },
      },
      strict: true,
    });
    if (!values.pki || !values.ca || !values["ca-path"] || !values.service?.length) {
      throw new Error("--pki, --ca, --ca-path and at least one --service are required");
    }
    const result = await composeInit({
      pkiDir: values.pki,
      caDir: values.ca,
      caPath: values["ca-path"],
      address: values.address,
      certDuration: values["cert-duration"],
      owner: values.owner ? parseOwner(values.owner) : undefined,
      services: Object.fromEntries(values.service.map(parseService)),
    });
    // Paths only: nothing secret is printed.
    console.log(`step-ca-init: CA folder ${values.ca} (ca.json paths under ${values["ca-path"]})`);
    for (const [name, files] of Object.entries(result.services)) {
      console.log(`step-ca-init: ${name}: ${files.rootCert}, ${files.provisionerKey}`);
    }
    for (const path of result.removed) console.log(`step-ca-init: removed ${path}`);
  } catch (error) {
    console.error(`step-ca-init: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
