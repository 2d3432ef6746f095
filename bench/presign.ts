// Presigned URLs: the file service's presigner (services/file/src/repositories/presigner.ts, which
// signs with sigv4.ts) against the AWS SDK's `getSignedUrl`, its S3RequestPresigner and `aws4`,
// the same PUT (signed content type, length, SHA-256, encryption) in the same process, interleaved
// rounds. No network: each only signs.
//
// bench/ is not a workspace package, so the SDK comes from the file service's own node_modules:
// the copies the presigner itself loads.
import { PutObjectCommand, S3Client } from "../services/file/node_modules/@aws-sdk/client-s3";
import { formatUrl } from "../services/file/node_modules/@aws-sdk/core/util";
import {
  getSignedUrl,
  S3RequestPresigner,
} from "../services/file/node_modules/@aws-sdk/s3-request-presigner";
import type * as Aws4 from "../services/file/node_modules/@types/aws4";
// @ts-expect-error: its types are a separate package, imported below
import aws4Module from "../services/file/node_modules/aws4";
import { createPresigner } from "../services/file/src/repositories/presigner.ts";
import { median, positiveInteger, ROUNDS, runAlone, table } from "./common.ts";

const aws4 = aws4Module as typeof Aws4;

const URLS_PER_ROUND = positiveInteger("BENCH_PRESIGN_URLS", 2000);
const BUCKET = "hangout-files";
const HEADERS = {
  "content-type": "image/jpeg",
  "content-length": "123456",
  "x-amz-checksum-sha256": "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
  "x-amz-server-side-encryption": "AES256",
};

export async function runPresignBench() {
  const client = new S3Client({
    endpoint: "http://127.0.0.1:4566",
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "bench", secretAccessKey: "bench-secret" },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const presigner = await createPresigner(client, BUCKET);
  // The SDK's signer on a request built by hand: what the presigner used before aws4.
  const sdkSigner = new S3RequestPresigner({ ...client.config });
  const unhoistable = ["x-amz-checksum-sha256", "x-amz-server-side-encryption"];
  const ways = {
    "SDK getSignedUrl": (key: string) =>
      getSignedUrl(
        client,
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: key,
          ContentType: HEADERS["content-type"],
          ContentLength: Number(HEADERS["content-length"]),
          ChecksumSHA256: HEADERS["x-amz-checksum-sha256"],
          ServerSideEncryption: "AES256",
        }),
        {
          expiresIn: 900,
          signableHeaders: new Set(Object.keys(HEADERS)),
          unhoistableHeaders: new Set(unhoistable),
        },
      ),
    "SDK S3RequestPresigner": async (key: string) =>
      formatUrl(
        await sdkSigner.presign(
          {
            method: "PUT",
            protocol: "http:",
            hostname: "127.0.0.1",
            port: 4566,
            path: `/${BUCKET}/${key}`,
            query: {},
            headers: { host: "127.0.0.1:4566", ...HEADERS },
          },
          {
            expiresIn: 900,
            signableHeaders: new Set(Object.keys(HEADERS)),
            unhoistableHeaders: new Set(unhoistable),
          },
        ),
      ),
    // What the presigner signed with before sigv4.ts, with the same parameters and headers.
    aws4: async (key: string) => {
      const { accessKeyId, secretAccessKey } = await client.config.credentials();
      const query = new URLSearchParams({
        "X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD",
        "X-Amz-Date": new Date().toISOString().replace(/[:-]|\.\d{3}/g, ""),
        "X-Amz-Expires": "900",
      });
      const signed = aws4.sign(
        {
          method: "PUT",
          host: "127.0.0.1:4566",
          path: `/${BUCKET}/${key}?${query}`,
          service: "s3",
          region: "us-east-1",
          signQuery: true,
          headers: { ...HEADERS },
          extraHeadersToInclude: Object.fromEntries(Object.keys(HEADERS).map((h) => [h, true])),
        } as Aws4.Request,
        { accessKeyId, secretAccessKey },
      );
      return `http://127.0.0.1:4566${signed.path}`;
    },
    "file service presigner (sigv4.ts)": (key: string) =>
      presigner.presign("PUT", key, { expiresIn: 900, headers: HEADERS }),
  };

  console.log(
    `bench presign: ${ROUNDS} interleaved rounds of ${URLS_PER_ROUND} presigned PUT URLs per way`,
  );
  const perUrlUs = Object.fromEntries(Object.keys(ways).map((name) => [name, [] as number[]]));
  for (const sign of Object.values(ways)) {
    for (let i = 0; i < 300; i++) await sign(`files/warm-${i}`);
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, sign] of Object.entries(ways)) {
      const started = performance.now();
      for (let i = 0; i < URLS_PER_ROUND; i++) await sign(`files/${round}-${i}`);
      perUrlUs[name]!.push(((performance.now() - started) * 1000) / URLS_PER_ROUND);
    }
  }
  const sdk = median(perUrlUs["SDK getSignedUrl"]!);
  console.log("");
  console.log(
    table(
      ["way", "µs per URL (median)", "10 URLs (ms)", "ratio to the SDK"],
      Object.keys(ways).map((name) => {
        const us = median(perUrlUs[name]!);
        return [name, us.toFixed(1), ((us * 10) / 1000).toFixed(2), (us / sdk).toFixed(2)];
      }),
      ["l", "r", "r", "r"],
    ),
  );
  client.destroy();
}

if (import.meta.main) await runAlone(runPresignBench);
