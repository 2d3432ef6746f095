// PKI and ca.json for step-ca without the step CLI (Debian does not package it): a root and an
// intermediate CA, one JWK provisioner per service, and the CA config. Idempotent: existing keys
// are never replaced, so services keep trusting the same root across runs; ca.json is rewritten
// from the current options every time.
//
//   bun step-ca/bootstrap.ts [--dir .data/step-ca] [--address 127.0.0.1:9443]
//                            [--cert-duration 1h] [--path-prefix /home/step]
import "reflect-metadata"; // @peculiar/x509 (tsyringe) throws without it
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import * as x509 from "@peculiar/x509";
import { type EcJwk, generateProvisionerKey, publicJwk } from "./token.ts";

/**
 * One provisioner per service rather than one per environment: each service holds only its own
 * key, and a leaked key is contained by removing that one provisioner from ca.json, without
 * re-keying the other services. Names equal the service names, which are also the SANs.
 */
export const SERVICES = ["auth", "hangout", "file", "notification", "media"] as const;

export const REPO_ROOT = resolve(import.meta.dir, "..");
export const DEFAULT_DIR = join(REPO_ROOT, ".data", "step-ca");

export interface BootstrapOptions {
  /** Output folder; default <repo>/.data/step-ca. */
  dir?: string;
  /** host:port step-ca listens on; default 127.0.0.1:9443. */
  address?: string;
  /** Default leaf lifetime (Go duration), between the 1m minimum and the 24h maximum. */
  certDuration?: string;
  /** Where `dir` is mounted for the CA (the official image mounts it at /home/step). */
  pathPrefix?: string;
  services?: readonly string[];
}

export interface BootstrapResult {
  dir: string;
  config: string;
  rootCert: string;
  intermediateCert: string;
  rootKey: string;
  intermediateKey: string;
  /** service name -> private JWK file */
  provisioners: Record<string, string>;
}

const EC = { name: "ECDSA", namedCurve: "P-256" } as const;
const SIGNING = { name: "ECDSA", hash: "SHA-256" } as const;
const YEAR_MS = 365 * 24 * 3600 * 1000;

async function readIfExists(path: string): Promise<string | undefined> {
  const file = Bun.file(path);
  return (await file.exists()) ? file.text() : undefined;
}

async function writeSecret(path: string, text: string): Promise<void> {
  await writeFile(path, text, { mode: 0o600 });
  await chmod(path, 0o600); // `mode` applies only when the file is created
}

/** The key at `path`, or a new one written there; `created` tells callers to re-issue certs. */
async function loadOrCreateKey(path: string): Promise<{ keys: CryptoKeyPair; created: boolean }> {
  const pem = await readIfExists(path);
  if (pem === undefined) {
    const keys = await crypto.subtle.generateKey(EC, true, ["sign", "verify"]);
    const pkcs8 = await crypto.subtle.exportKey("pkcs8", keys.privateKey);
    // Unencrypted PKCS#8: step-ca then starts without --password-file or a prompt.
    await writeSecret(path, x509.PemConverter.encode(pkcs8, "PRIVATE KEY"));
    return { keys, created: true };
  }
  const der = x509.PemConverter.decodeFirst(pem);
  const privateKey = await crypto.subtle.importKey("pkcs8", der, EC, true, ["sign"]);
  // WebCrypto cannot derive a public key directly; the JWK's public members are the public half.
  const { kty, crv, x, y } = await crypto.subtle.exportKey("jwk", privateKey);
  const publicKey = await crypto.subtle.importKey("jwk", { kty, crv, x, y }, EC, true, ["verify"]);
  return { keys: { privateKey, publicKey }, created: false };
}

function serial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0]! &= 0x7f; // positive INTEGER
  return Buffer.from(bytes).toString("hex");
}

function caExtensions(pathLength: number) {
  return [
    new x509.BasicConstraintsExtension(true, pathLength, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
  ];
}

async function createRoot(keys: CryptoKeyPair): Promise<x509.X509Certificate> {
  const now = Date.now();
  return x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: "O=Hangout Planner, CN=Hangout Planner Root CA",
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 10 * YEAR_MS),
    signingAlgorithm: SIGNING,
    keys,
    extensions: [
      ...caExtensions(1),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
}

async function createIntermediate(
  keys: CryptoKeyPair,
  root: x509.X509Certificate,
  rootKey: CryptoKey,
): Promise<x509.X509Certificate> {
  const now = Date.now();
  return x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: "O=Hangout Planner, CN=Hangout Planner Intermediate CA",
    issuer: root.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 5 * YEAR_MS),
    signingAlgorithm: SIGNING,
    publicKey: keys.publicKey,
    signingKey: rootKey,
    extensions: [
      ...caExtensions(0),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(root),
    ],
  });
}

/**
 * A JWK provisioner signs whatever SANs its token asks for, so without this any provisioner key
 * could mint a `hangout` certificate. A fixed template makes every certificate from the
 * provisioner carry exactly its service's name (CN and DNS SAN), whatever the CSR says: a
 * leaked key can impersonate only its own service.
 */
function pinnedIdentity(service: string) {
  const template = {
    subject: { commonName: service },
    sans: [{ type: "dns", value: service }],
    keyUsage: ["digitalSignature"],
    extKeyUsage: ["serverAuth", "clientAuth"],
  };
  return { x509: { template: JSON.stringify(template) } };
}

export async function bootstrapCa(options: BootstrapOptions = {}): Promise<BootstrapResult> {
  const dir = resolve(options.dir ?? DEFAULT_DIR);
  const services = options.services ?? SERVICES;
  const at = (...parts: string[]) => join(dir, ...parts);
  // Paths as the CA process will see them: local, or under the container mount point.
  const seen = (...parts: string[]) =>
    options.pathPrefix
      ? [options.pathPrefix.replace(/\/+$/, ""), ...parts].join("/")
      : at(...parts);

  await mkdir(at("certs"), { recursive: true });
  await mkdir(at("config"), { recursive: true });
  await mkdir(at("secrets", "provisioners"), { recursive: true, mode: 0o700 });
  await chmod(at("secrets"), 0o700);

  const result: BootstrapResult = {
    dir,
    config: at("config", "ca.json"),
    rootCert: at("certs", "root_ca.crt"),
    intermediateCert: at("certs", "intermediate_ca.crt"),
    rootKey: at("secrets", "root_ca_key"),
    intermediateKey: at("secrets", "intermediate_ca_key"),
    provisioners: {},
  };

  // A certificate is (re)issued only when it is missing or its key (or its issuer) is new.
  const root = await loadOrCreateKey(result.rootKey);
  let rootPem = root.created ? undefined : await readIfExists(result.rootCert);
  const rootIssued = rootPem === undefined;
  if (rootPem === undefined) {
    rootPem = (await createRoot(root.keys)).toString("pem");
    await writeFile(result.rootCert, rootPem);
  }
  const inter = await loadOrCreateKey(result.intermediateKey);
  const interPem =
    inter.created || rootIssued ? undefined : await readIfExists(result.intermediateCert);
  if (interPem === undefined) {
    const cert = await createIntermediate(
      inter.keys,
      new x509.X509Certificate(rootPem),
      root.keys.privateKey,
    );
    await writeFile(result.intermediateCert, cert.toString("pem"));
  }

  // The keys are unencrypted, but the official image always starts
  // `step-ca --password-file /home/step/secrets/password`, which fails if the file is missing.
  const password = at("secrets", "password");
  if ((await readIfExists(password)) === undefined) {
    await writeSecret(
      password,
      `${Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("base64url")}\n`,
    );
  }

  const provisioners = [];
  for (const name of services) {
    const path = at("secrets", "provisioners", `${name}.json`);
    const existing = await readIfExists(path);
    const key: EcJwk = existing ? JSON.parse(existing) : await generateProvisionerKey();
    if (!existing) await writeSecret(path, `${JSON.stringify(key, null, 2)}\n`);
    result.provisioners[name] = path;
    provisioners.push({ type: "JWK", name, key: publicJwk(key), options: pinnedIdentity(name) });
  }

  const caConfig = {
    root: seen("certs", "root_ca.crt"),
    federatedRoots: null,
    crt: seen("certs", "intermediate_ca.crt"),
    key: seen("secrets", "intermediate_ca_key"),
    address: options.address ?? "127.0.0.1:9443",
    insecureAddress: "",
    // The CA's own TLS names; also the audiences it accepts in tokens (https://<name>/1.0/sign).
    dnsNames: ["localhost", "127.0.0.1", "step-ca"],
    logger: { format: "text" },
    db: { type: "badgerv2", dataSource: seen("db") },
    authority: {
      provisioners,
      claims: {
        minTLSCertDuration: "1m",
        defaultTLSCertDuration: options.certDuration ?? "1h",
        maxTLSCertDuration: "24h",
        disableRenewal: false,
      },
    },
    tls: {
      cipherSuites: [
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
      ],
      minVersion: 1.2,
      maxVersion: 1.3,
      renegotiation: false,
    },
  };
  await writeFile(result.config, `${JSON.stringify(caConfig, null, 2)}\n`);
  return result;
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      dir: { type: "string" },
      address: { type: "string" },
      "cert-duration": { type: "string" },
      "path-prefix": { type: "string" },
    },
  });
  const result = await bootstrapCa({
    dir: values.dir,
    address: values.address,
    certDuration: values["cert-duration"],
    pathPrefix: values["path-prefix"],
  });
  console.log(JSON.stringify(result, null, 2));
}
