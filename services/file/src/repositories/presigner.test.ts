import { describe, expect, test } from "bun:test";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { formatUrl } from "@aws-sdk/core/util";
import { getSignedUrl, S3RequestPresigner } from "@aws-sdk/s3-request-presigner";
import { createPresigner } from "./presigner.ts";

const client = (endpoint: string, forcePathStyle: boolean, sessionToken?: string) =>
  new S3Client({
    endpoint,
    region: "eu-west-1",
    forcePathStyle,
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret", sessionToken },
    // As the object store configures its clients.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });

/** A URL with its query in a fixed order, so two signings of the same request compare equal. */
function sorted(url: string) {
  const parsed = new URL(url);
  parsed.searchParams.sort();
  return parsed.toString();
}

const BUCKET = "hangout-files";
const KEYS = ["files/0190a1b2-c3d4", "files/with space/ünïcode (1)!*'.jpg"];
const SIGNING_DATE = new Date("2026-11-22T06:43:14.123Z");
const STYLES = [
  ["path-style", "http://127.0.0.1:4566", true],
  ["virtual-host", "https://s3.eu-west-1.amazonaws.com", false],
] as const;

/** The SDK's own presigner, signing the request we sign, at the same time. */
async function sdkUrl(
  s3: S3Client,
  method: "GET" | "PUT",
  key: string,
  headers: Record<string, string>,
  { expiresIn, signingDate } = { expiresIn: 900, signingDate: SIGNING_DATE },
) {
  const probe = new URL(
    await getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: key }), { expiresIn: 1 }),
  );
  const signed = await new S3RequestPresigner({ ...s3.config }).presign(
    {
      method,
      protocol: probe.protocol,
      hostname: probe.hostname,
      port: probe.port ? Number(probe.port) : undefined,
      path: probe.pathname,
      query: {},
      headers: { host: probe.host, ...headers },
    },
    {
      expiresIn,
      signingDate,
      signableHeaders: new Set(Object.keys(headers)),
      // Every header stays a signed header, as ours does.
      unhoistableHeaders: new Set(Object.keys(headers)),
    },
  );
  return formatUrl(signed);
}

describe("the presigner signs what the SDK signs, with the same signature", () => {
  for (const [style, endpoint, pathStyle] of STYLES) {
    for (const sessionToken of [undefined, "session/token+=="]) {
      test(`${style}${sessionToken ? ", with a session token" : ""}`, async () => {
        const s3 = client(endpoint, pathStyle, sessionToken);
        const presigner = await createPresigner(s3, BUCKET);
        const put = {
          "content-type": "image/png",
          "content-length": "1234",
          "x-amz-checksum-sha256": "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
          "x-amz-server-side-encryption": "AES256",
        };
        for (const key of KEYS) {
          for (const [method, headers] of [
            ["GET", {}],
            ["PUT", put],
            // aws4 leaves range unsigned by default; the SDK signs it.
            ["GET", { range: "bytes=0-99", "cache-control": "no-cache" }],
          ] as const) {
            const ours = await presigner.presign(method, key, {
              expiresIn: 900,
              headers,
              signingDate: SIGNING_DATE,
            });
            expect(sorted(ours)).toBe(sorted(await sdkUrl(s3, method, key, headers)));
          }
        }
      });
    }
  }

  test("300 generated keys, headers, lifetimes and dates sign as the SDK signs them", async () => {
    // A fixed seed: a failure names the case, and the same cases run every time.
    let seed = 20261122;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)] as T;
    const chars = [..."abcXYZ019 -_.~!*'()+=&?#%@:;,$ü漢\u00e9\t"];
    const text = (min: number, max: number) =>
      Array.from({ length: min + Math.floor(random() * (max - min)) }, () => pick(chars)).join("");
    const names = [
      "content-type",
      "content-length",
      "x-amz-meta-note",
      "range",
      "x-amz-checksum-sha256",
    ];
    for (const [style, endpoint, pathStyle] of STYLES) {
      for (const sessionToken of [undefined, "token/with+special=="]) {
        const s3 = client(endpoint, pathStyle, sessionToken);
        const presigner = await createPresigner(s3, BUCKET);
        for (let i = 0; i < 75; i++) {
          // A segment of only dots would be removed by URL parsing (RFC 3986 dot segments).
          const key = Array.from(
            { length: 1 + Math.floor(random() * 3) },
            () => `k${text(0, 12)}`,
          ).join("/");
          const headers = Object.fromEntries(
            names
              .filter(() => random() < 0.4)
              .map((name) => [name, `${pick(["", " "])}${text(1, 20)}  x`]),
          );
          const method = pick(["GET", "PUT"] as const);
          const signingDate = new Date(
            Date.UTC(2026, 0, 1) + Math.floor(random() * 365 * 86_400_000),
          );
          const expiresIn = 1 + Math.floor(random() * 604_800);
          const ours = await presigner.presign(method, key, { expiresIn, headers, signingDate });
          const theirs = await sdkUrl(s3, method, key, headers, { expiresIn, signingDate });
          expect({ style, key, headers, ours: sorted(ours) }).toEqual({
            style,
            key,
            headers,
            ours: sorted(theirs),
          });
        }
      }
    }
  });

  test("every given header is signed as a header, none in the query", async () => {
    const presigner = await createPresigner(client("http://127.0.0.1:4566", true), "b");
    const url = new URL(
      await presigner.presign("PUT", "files/x", {
        expiresIn: 900,
        headers: { "content-type": "image/png", "x-amz-server-side-encryption": "AES256" },
      }),
    );
    expect(url.searchParams.get("X-Amz-SignedHeaders")).toBe(
      "content-type;host;x-amz-server-side-encryption",
    );
    expect(url.searchParams.get("X-Amz-Expires")).toBe("900");
    expect(url.searchParams.has("x-amz-server-side-encryption")).toBe(false);
  });

  test("rotated credentials sign the next URL; a lifetime SigV4 refuses is refused", async () => {
    let secret = "first-secret";
    const s3 = new S3Client({
      endpoint: "http://127.0.0.1:4566",
      region: "eu-west-1",
      forcePathStyle: true,
      // Expiring at once, so the SDK's provider asks again on every call, as it would near the
      // end of a real temporary credential's life.
      credentials: async () => ({
        accessKeyId: "AKIDEXAMPLE",
        secretAccessKey: secret,
        expiration: new Date(Date.now() + 1000),
      }),
    });
    const presigner = await createPresigner(s3, "b");
    const sign = () =>
      presigner
        .presign("GET", "files/a", { expiresIn: 60, signingDate: SIGNING_DATE })
        .then((url) => new URL(url).searchParams.get("X-Amz-Signature"));
    const first = await sign();
    secret = "rotated-secret";
    expect(await sign()).not.toBe(first);
    await expect(presigner.presign("GET", "files/a", { expiresIn: 604_801 })).rejects.toThrow(
      /expiresIn/,
    );
  });

  test("a header named twice (in any case), or host, is refused rather than signed ambiguously", async () => {
    const presigner = await createPresigner(client("http://127.0.0.1:4566", true), "b");
    const cases: Record<string, string>[] = [
      { "Content-Type": "image/png", "content-type": "image/jpeg" },
      { host: "evil" },
    ];
    for (const headers of cases) {
      await expect(
        presigner.presign("PUT", "files/a", { expiresIn: 900, headers }),
      ).rejects.toThrow(/given twice/);
    }
  });

  test("a changed header, key or expiry changes the signature", async () => {
    const presigner = await createPresigner(client("http://127.0.0.1:4566", true), "b");
    const sign = (key: string, expiresIn: number, type: string) =>
      presigner
        .presign("PUT", key, {
          expiresIn,
          headers: { "content-type": type },
          signingDate: SIGNING_DATE,
        })
        .then((url) => new URL(url).searchParams.get("X-Amz-Signature"));
    const base = await sign("files/a", 900, "image/png");
    expect(await sign("files/b", 900, "image/png")).not.toBe(base);
    expect(await sign("files/a", 901, "image/png")).not.toBe(base);
    expect(await sign("files/a", 900, "image/jpeg")).not.toBe(base);
  });
});
