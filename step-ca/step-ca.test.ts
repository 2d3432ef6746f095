// Against the real step-ca: the binary comes from scripts/ensure-step-ca.sh (PATH, an earlier
// build, or a fresh build from Debian's sources). If that fails, this test fails: there is no skip.
import "reflect-metadata";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@hangout/platform/testing/ports";
import * as x509 from "@peculiar/x509";
import { type BootstrapResult, bootstrapCa, SERVICES } from "./bootstrap.ts";
import { ensureStepCaBinary, type RunningStepCa, startStepCa } from "./run.ts";
import { type EcJwk, oneTimeToken } from "./token.ts";

const EC = { name: "ECDSA", namedCurve: "P-256" } as const;
const SIGNING = { name: "ECDSA", hash: "SHA-256" } as const;

/** Body of a 201 from /1.0/sign and /1.0/renew. */
interface Issued {
  crt: string;
  ca: string;
  certChain: string[];
}

let dir: string;
let options: Parameters<typeof bootstrapCa>[0];
let pki: BootstrapResult;
let ca: RunningStepCa;

const provisionerKey = (name: string): Promise<EcJwk> => Bun.file(pki.provisioners[name]!).json();

beforeAll(async () => {
  const binary = await ensureStepCaBinary(); // a cold build takes minutes on a busy machine
  dir = await mkdtemp(join(tmpdir(), "step-ca-test-"));
  options = { dir, address: `127.0.0.1:${freePort()}`, certDuration: "10m" };
  pki = await bootstrapCa(options);
  ca = await startStepCa({ binary, dir });
}, 600_000);

afterAll(async () => {
  await ca?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A fresh P-256 key and a CSR for CN=<name>, SAN dns:<name>. */
async function keyAndCsr(name: string) {
  const keys = await crypto.subtle.generateKey(EC, true, ["sign", "verify"]);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${name}`,
    keys,
    signingAlgorithm: SIGNING,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: "dns", value: name }])],
  });
  return { keys, csr: csr.toString("pem") };
}

/** fetch to the CA trusting only our root; `client` adds a client certificate (mTLS). */
function caFetch(path: string, body?: unknown, client?: { cert: string; key: string }) {
  return fetch(`${ca.url}${path}`, {
    method: body === undefined && !client ? "GET" : "POST",
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    tls: { ca: ca.rootPem, ...client },
  });
}

describe("bootstrap", () => {
  test("root -> intermediate chain: CA flags, path lengths, signature, lifetimes", async () => {
    const root = new x509.X509Certificate(await Bun.file(pki.rootCert).text());
    const inter = new x509.X509Certificate(await Bun.file(pki.intermediateCert).text());
    const rootBc = root.getExtension(x509.BasicConstraintsExtension)!;
    const interBc = inter.getExtension(x509.BasicConstraintsExtension)!;
    expect([rootBc.ca, rootBc.pathLength, rootBc.critical]).toEqual([true, 1, true]);
    expect([interBc.ca, interBc.pathLength, interBc.critical]).toEqual([true, 0, true]);
    expect(await root.isSelfSigned()).toBe(true);
    expect(inter.issuer).toBe(root.subject);
    expect(await inter.verify({ publicKey: root.publicKey })).toBe(true);
    expect(await inter.verify({ publicKey: inter.publicKey, signatureOnly: true })).toBe(false);
    const years = (c: x509.X509Certificate) =>
      (c.notAfter.getTime() - c.notBefore.getTime()) / (365 * 24 * 3600 * 1000);
    expect(Math.round(years(root))).toBe(10);
    expect(Math.round(years(inter))).toBe(5);
  });

  test("is idempotent: a second run keeps every key and certificate", async () => {
    const files = [pki.rootKey, pki.intermediateKey, pki.rootCert, pki.intermediateCert];
    files.push(...Object.values(pki.provisioners));
    const read = () => Promise.all(files.map((f) => Bun.file(f).text()));
    const before = await read();
    await bootstrapCa(options);
    expect(await read()).toEqual(before);
    expect((await Bun.file(pki.rootKey).stat()).mode & 0o777).toBe(0o600);

    // A missing certificate is re-issued from the existing keys (the reload path).
    const old = new x509.X509Certificate(before[3]!);
    await rm(pki.intermediateCert);
    await bootstrapCa(options);
    const reissued = new x509.X509Certificate(await Bun.file(pki.intermediateCert).text());
    expect(reissued.serialNumber).not.toBe(old.serialNumber);
    expect(await reissued.publicKey.getThumbprint()).toEqual(await old.publicKey.getThumbprint());
    const root = new x509.X509Certificate(before[2]!);
    expect(await reissued.verify({ publicKey: root.publicKey })).toBe(true);
  });
});

describe("running step-ca", () => {
  test("is healthy and lists one JWK provisioner per service", async () => {
    expect(await (await caFetch("/health")).json()).toEqual({ status: "ok" });
    const { provisioners } = (await (await caFetch("/1.0/provisioners")).json()) as {
      provisioners: { name: string; type: string }[];
    };
    expect(provisioners.map((p) => p.name)).toEqual([...SERVICES]);
    expect(provisioners.every((p) => p.type === "JWK")).toBe(true);
  });

  test("sign with a one-time token, refuse its reuse, renew over mTLS", async () => {
    const { keys, csr } = await keyAndCsr("hangout");
    const ott = await oneTimeToken({
      provisioner: "hangout",
      key: await provisionerKey("hangout"),
      caUrl: ca.url,
      subject: "hangout",
    });
    const request = { csr, ott, notAfter: "5m" };

    const signed = await caFetch("/1.0/sign", request);
    expect(signed.status).toBe(201);
    const body = (await signed.json()) as Issued;
    const leaf = new x509.X509Certificate(body.crt);
    const inter = new x509.X509Certificate(await Bun.file(pki.intermediateCert).text());
    expect(leaf.getExtension(x509.SubjectAlternativeNameExtension)!.names.toJSON()).toEqual([
      { type: "dns", value: "hangout" },
    ]);
    expect(leaf.issuer).toBe(inter.subject);
    // One leaf serves both ends of mTLS.
    expect(leaf.getExtension(x509.ExtendedKeyUsageExtension)!.usages).toEqual([
      x509.ExtendedKeyUsage.serverAuth,
      x509.ExtendedKeyUsage.clientAuth,
    ]);
    expect(await leaf.verify({ publicKey: inter.publicKey })).toBe(true);
    // 5m asked for, plus the 1m step-ca backdates notBefore by.
    const lifetime = leaf.notAfter.getTime() - leaf.notBefore.getTime();
    expect(Math.abs(lifetime - 6 * 60_000)).toBeLessThanOrEqual(2_000);

    // One-time: the jti is remembered in the CA's db.
    expect((await caFetch("/1.0/sign", request)).status).toBe(401);

    const pkcs8 = await crypto.subtle.exportKey("pkcs8", keys.privateKey);
    const client = {
      cert: body.certChain.join("\n"),
      key: x509.PemConverter.encode(pkcs8, "PRIVATE KEY"),
    };
    const renewed = await caFetch("/1.0/renew", undefined, client);
    expect(renewed.status).toBe(201);
    const next = new x509.X509Certificate(((await renewed.json()) as Issued).crt);
    expect(next.serialNumber).not.toBe(leaf.serialNumber);
    expect(next.subject).toBe(leaf.subject);
    expect(await next.verify({ publicKey: inter.publicKey })).toBe(true);
  });

  test("a token signed with another service's key cannot claim to be hangout", async () => {
    const fileKey = await provisionerKey("file");
    const hangoutKey = await provisionerKey("hangout");
    const { csr } = await keyAndCsr("hangout");
    // With the file key's own kid (no provisioner is hangout + that kid), and with the hangout
    // kid copied into the header (then the signature does not verify).
    for (const key of [fileKey, { ...fileKey, kid: hangoutKey.kid }]) {
      const ott = await oneTimeToken({
        provisioner: "hangout",
        key,
        caUrl: ca.url,
        subject: "hangout",
      });
      expect((await caFetch("/1.0/sign", { csr, ott })).status).toBe(401);
    }
  });

  test("a provisioner only issues its own service's name, whatever the CSR asks for", async () => {
    const { csr } = await keyAndCsr("hangout");
    const ott = await oneTimeToken({
      provisioner: "file",
      key: await provisionerKey("file"),
      caUrl: ca.url,
      subject: "hangout",
    });
    const response = await caFetch("/1.0/sign", { csr, ott });
    expect(response.status).toBe(201);
    const leaf = new x509.X509Certificate(((await response.json()) as Issued).crt);
    expect(leaf.subject).toBe("CN=file");
    expect(leaf.getExtension(x509.SubjectAlternativeNameExtension)!.names.toJSON()).toEqual([
      { type: "dns", value: "file" },
    ]);
  });
});
