/**
 * Self-signed TLS certificate for the Envoy edge in development and in the compose stack.
 *
 *   bun envoy/dev-cert.ts <dir> [--force]
 *
 * writes `<dir>/tls.crt` and `<dir>/tls.key` (ECDSA P-256, SHA-256, 90 days, SANs from
 * EDGE_CERT_HOSTS, default "localhost,127.0.0.1,::1") unless a certificate valid for 7 more days
 * is already there. No openssl needed: the X.509 DER is built here with node:crypto signing.
 *
 * Production hosts mount a CA-issued certificate instead (see envoy/README.md).
 */
import { generateKeyPairSync, randomBytes, sign, X509Certificate } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { isIP } from "node:net";
import { join } from "node:path";

// --- minimal DER encoder ---------------------------------------------------------------------

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const tlv = (tag: number, content: Buffer): Buffer =>
  Buffer.concat([Buffer.from([tag]), length(content.length), content]);
const seq = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
const explicit = (n: number, content: Buffer) => tlv(0xa0 + n, content);
const octets = (content: Buffer) => tlv(0x04, content);
const bitString = (content: Buffer) => tlv(0x03, Buffer.concat([Buffer.from([0]), content]));
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, "utf8"));
const bool = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0]));

function integer(bytes: Buffer): Buffer {
  let b = bytes;
  while (b.length > 1 && b[0] === 0 && (b[1]! & 0x80) === 0) b = b.subarray(1);
  if ((b[0]! & 0x80) !== 0) b = Buffer.concat([Buffer.from([0]), b]);
  return tlv(0x02, b);
}

function oid(dotted: string): Buffer {
  const parts = dotted.split(".").map(Number);
  const out: number[] = [40 * parts[0]! + parts[1]!];
  for (const p of parts.slice(2)) {
    const chunk: number[] = [p & 0x7f];
    for (let v = p >>> 7; v > 0; v >>>= 7) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

function time(d: Date): Buffer {
  const iso = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const compact = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  // UTCTime up to 2049, GeneralizedTime after (RFC 5280 4.1.2.5)
  return d.getUTCFullYear() < 2050
    ? tlv(0x17, Buffer.from(compact.slice(2), "ascii"))
    : tlv(0x18, Buffer.from(compact, "ascii"));
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split(".").map(Number));
  const [head = "", tail = ""] = ip.split("::");
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = ip.includes("::") ? [...h, ...Array(8 - h.length - t.length).fill("0"), ...t] : h;
  return Buffer.from(
    groups.flatMap((g) => [(parseInt(g, 16) >> 8) & 0xff, parseInt(g, 16) & 0xff]),
  );
}

// --- certificate -------------------------------------------------------------------------------

const ECDSA_SHA256 = seq(oid("1.2.840.10045.4.3.2"));

export interface DevCertificate {
  certPem: string;
  keyPem: string;
}

export function createSelfSignedCertificate(options: {
  hosts: string[];
  days?: number;
  now?: Date;
}): DevCertificate {
  const hosts = options.hosts.length > 0 ? options.hosts : ["localhost"];
  const now = options.now ?? new Date();
  const notBefore = new Date(now.getTime() - 5 * 60_000); // tolerate small clock skew
  const notAfter = new Date(now.getTime() + (options.days ?? 90) * 86_400_000);
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const spki = publicKey.export({ type: "spki", format: "der" });
  const name = seq(set(seq(oid("2.5.4.3"), utf8(hosts.find((h) => !isIP(h)) ?? hosts[0]!))));
  const sans = hosts.map((h) =>
    isIP(h) ? tlv(0x87, ipBytes(h)) : tlv(0x82, Buffer.from(h, "ascii")),
  );
  const extensions = seq(
    // basicConstraints: CA:FALSE (critical)
    seq(oid("2.5.29.19"), bool(true), octets(seq())),
    // keyUsage: digitalSignature (critical)
    seq(oid("2.5.29.15"), bool(true), octets(tlv(0x03, Buffer.from([0x07, 0x80])))),
    // extKeyUsage: serverAuth
    seq(oid("2.5.29.37"), octets(seq(oid("1.3.6.1.5.5.7.3.1")))),
    // subjectAltName
    seq(oid("2.5.29.17"), octets(seq(...sans))),
  );
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))), // v3
    integer(serial),
    ECDSA_SHA256,
    name, // issuer = subject (self-signed)
    seq(time(notBefore), time(notAfter)),
    name,
    spki,
    explicit(3, extensions),
  );
  const signature = sign("sha256", tbs, privateKey); // DER-encoded ECDSA signature
  const der = seq(tbs, ECDSA_SHA256, bitString(signature));
  const body = der
    .toString("base64")
    .replace(/(.{64})/g, "$1\n")
    .trimEnd();
  return {
    certPem: `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`,
    keyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
}

/** Writes tls.crt/tls.key into `dir` unless a certificate valid for `minDays` more is there. */
export function ensureDevCertificate(
  dir: string,
  options: { hosts: string[]; force?: boolean; minDays?: number },
): "created" | "kept" {
  const certFile = join(dir, "tls.crt");
  const keyFile = join(dir, "tls.key");
  if (!options.force && existsSync(certFile) && existsSync(keyFile)) {
    const cert = new X509Certificate(readFileSync(certFile));
    const remaining = new Date(cert.validTo).getTime() - Date.now();
    if (remaining > (options.minDays ?? 7) * 86_400_000) return "kept";
  }
  mkdirSync(dir, { recursive: true });
  const { certPem, keyPem } = createSelfSignedCertificate({ hosts: options.hosts });
  writeFileSync(certFile, certPem, { mode: 0o644 });
  // Readable by Envoy's own user (uid 101) in the shared volume; a development key only.
  writeFileSync(keyFile, keyPem, { mode: 0o644 });
  chmodSync(keyFile, 0o644);
  return "created";
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const dir = args.find((a) => !a.startsWith("--"));
  if (!dir) {
    console.error("usage: bun envoy/dev-cert.ts <dir> [--force]");
    process.exit(2);
  }
  const hosts = (process.env.EDGE_CERT_HOSTS ?? "localhost,127.0.0.1,::1")
    .split(",")
    .map((h) => h.trim())
    .filter(Boolean);
  const outcome = ensureDevCertificate(dir, { hosts, force: args.includes("--force") });
  console.log(`${outcome} ${join(dir, "tls.crt")} for ${hosts.join(", ")}`);
}
