/**
 * SigV4 query signing (presigned URLs), for the one request shape the presigner makes: a path,
 * `X-Amz-*` query parameters and signed headers, unsigned payload. Written here rather than taken
 * from a library because presigning is the upload chain's largest single cost (10 URLs per
 * upload), and the SDK's presigners and `aws4` rebuild and re-parse the whole request for every
 * URL: docs/decisions/0003-sigv4-presigner.md. The SDK's own signer is the oracle:
 * presigner.test.ts compares signatures at pinned dates, over fixed and generated keys and
 * headers.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
 */

export interface SigV4Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface QuerySigningRequest {
  method: string;
  host: string;
  /** Already URI-encoded, as it goes on the wire (S3 signs the path as sent). */
  path: string;
  region: string;
  service: string;
  /** Lower-case names; `host` is added. */
  headers: Record<string, string>;
  expiresIn: number;
  signingDate: Date;
}

const ALGORITHM = "AWS4-HMAC-SHA256";
/** SigV4's limit on a presigned URL's lifetime (7 days), which the SDK enforces too. */
export const MAX_EXPIRES_IN = 604_800;

/** RFC 3986 unreserved characters stay; everything else is percent-encoded (SigV4's rule). */
export const uriEncode = (value: string) =>
  encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );

const sha256Hex = (data: string) => new Bun.CryptoHasher("sha256").update(data).digest("hex");
const hmac = (key: string | Uint8Array, data: string) =>
  new Bun.CryptoHasher("sha256", key).update(data).digest();

/** 2026-11-22T06:43:14.123Z → 20261122T064314Z, computed once per second. */
let lastSecond = Number.NaN;
let lastAmzDate = "";
function amzDate(date: Date) {
  const second = Math.floor(date.getTime() / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    lastAmzDate = date.toISOString().replace(/[:-]|\.\d{3}/g, "");
  }
  return lastAmzDate;
}

// Per secret, day, region and service: the derived signing key and the encoded credential
// parameter (both change once a day). Keep the last few.
const scopes = new Map<string, { key: Uint8Array; credential: string }>();
function scopeOf(credentials: SigV4Credentials, day: string, region: string, service: string) {
  const id = `${credentials.secretAccessKey}\n${credentials.accessKeyId}\n${day}\n${region}\n${service}`;
  let scope = scopes.get(id);
  if (!scope) {
    const secret = `AWS4${credentials.secretAccessKey}`;
    scope = {
      key: hmac(hmac(hmac(hmac(secret, day), region), service), "aws4_request"),
      credential: uriEncode(`${credentials.accessKeyId}/${day}/${region}/${service}/aws4_request`),
    };
    if (scopes.size >= 8) scopes.clear();
    scopes.set(id, scope);
  }
  return scope;
}

/** The request's `path?query` with the signature as its last parameter. */
export function signQuery(request: QuerySigningRequest, credentials: SigV4Credentials): string {
  const { expiresIn } = request;
  if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_EXPIRES_IN) {
    throw new Error(`signQuery: expiresIn must be 1..${MAX_EXPIRES_IN} seconds`);
  }
  const date = amzDate(request.signingDate);
  const day = date.slice(0, 8);
  const { key, credential } = scopeOf(credentials, day, request.region, request.service);

  // One line per lower-case name, as the SDK signs them; `host` is the request's own.
  const byName = new Map<string, string>([["host", request.host]]);
  for (const [name, value] of Object.entries(request.headers)) {
    const lower = name.toLowerCase();
    if (byName.has(lower)) throw new Error(`signQuery: header ${lower} given twice (or host)`);
    byName.set(lower, value.trim().replace(/\s+/g, " "));
  }
  const headers = [...byName];
  headers.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  let signedHeaders = "";
  let canonicalHeaders = "";
  for (const [name, value] of headers) {
    signedHeaders += signedHeaders ? `;${name}` : name;
    canonicalHeaders += `${name}:${value}\n`;
  }

  // In code-point order of the names. Algorithm, payload, date and expiry need no encoding.
  const token = credentials.sessionToken
    ? `&X-Amz-Security-Token=${uriEncode(credentials.sessionToken)}`
    : "";
  const query =
    `X-Amz-Algorithm=${ALGORITHM}&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD` +
    `&X-Amz-Credential=${credential}&X-Amz-Date=${date}&X-Amz-Expires=${expiresIn}` +
    `${token}&X-Amz-SignedHeaders=${uriEncode(signedHeaders)}`;

  const canonicalRequest = `${request.method}\n${request.path}\n${query}\n${canonicalHeaders}\n${signedHeaders}\nUNSIGNED-PAYLOAD`;
  const scope = `${day}/${request.region}/${request.service}/aws4_request`;
  const stringToSign = `${ALGORITHM}\n${date}\n${scope}\n${sha256Hex(canonicalRequest)}`;
  const signature = new Bun.CryptoHasher("sha256", key).update(stringToSign).digest("hex");
  return `${request.path}?${query}&X-Amz-Signature=${signature}`;
}
