import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { extendedEncodeURIComponent } from "@smithy/core/protocols";
import { signQuery } from "./sigv4.ts";

export interface PresignOptions {
  expiresIn: number;
  /** Headers the client must send exactly as given; each is signed as a header. */
  headers?: Record<string, string>;
  /** The signature's time; now unless given (tests pin it to compare with the SDK). */
  signingDate?: Date;
}

export interface Presigner {
  presign(method: "GET" | "PUT", key: string, options: PresignOptions): Promise<string>;
}

const PROBE_KEY = "presigner-probe";

/**
 * Presigned object URLs, signed by `signQuery` (sigv4.ts: synchronous, signing key cached)
 * rather than by the SDK's presigner, because an upload batch presigns 10 URLs and presigning is
 * the largest single cost of the upload chain: docs/decisions/0003-sigv4-presigner.md. The URL
 * carries the SDK's parameters and signature (tested at pinned dates; only the parameters' order
 * differs). Where an object lives (endpoint, path-style or virtual-host bucket) is the SDK's
 * answer, from one `getSignedUrl` at start that every later URL is built like; credentials and
 * region come from the SDK client's own providers on every call, so rotated credentials are
 * picked up. Headers are signed as headers (none is hoisted into the query), so the store checks
 * each one.
 */
export async function createPresigner(client: S3Client, bucket: string): Promise<Presigner> {
  const probe = new URL(
    await getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: PROBE_KEY }), {
      expiresIn: 60,
    }),
  );
  // "/<bucket>/" for path-style addressing, "/" when the bucket is in the host name.
  const pathPrefix = probe.pathname.slice(0, -PROBE_KEY.length);
  const region = await client.config.region();
  // Encoded per segment as the SDK encodes a `Key` (its "/" stay separators).
  const encodeKey = (key: string) => key.split("/").map(extendedEncodeURIComponent).join("/");

  return {
    async presign(method, key, { expiresIn, headers = {}, signingDate = new Date() }) {
      const { accessKeyId, secretAccessKey, sessionToken } = await client.config.credentials();
      if (!accessKeyId || !secretAccessKey) throw new Error("presign: no S3 credentials");
      const signed = signQuery(
        {
          method,
          host: probe.host,
          path: `${pathPrefix}${encodeKey(key)}`,
          region,
          service: "s3",
          headers,
          expiresIn,
          signingDate,
        },
        { accessKeyId, secretAccessKey, sessionToken },
      );
      return `${probe.protocol}//${probe.host}${signed}`;
    },
  };
}
