import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "@20minutes/s3rver";

export interface LocalS3 {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  port: number;
  directory: string;
  /** The environment that points the file service at this store (bucket name included). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * A real S3-compatible HTTP server in-process (@20minutes/s3rver, which verifies SigV4 signatures
 * and the signed headers of presigned URLs). Tests and the embedded default use it; objects live
 * in `directory` (a temp folder, removed on stop, unless one is given).
 */
export async function startLocalS3(
  options: { port?: number; directory?: string; bucket?: string } = {},
): Promise<LocalS3> {
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), "s3-")));
  await mkdir(directory, { recursive: true });
  const server = new S3rver({
    address: "127.0.0.1",
    port: options.port ?? 0,
    directory,
    silent: true,
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  let stopped = false;
  return {
    endpoint,
    port,
    directory,
    env: {
      S3_ENDPOINT: endpoint,
      S3_BUCKET: options.bucket ?? "hangout-files",
      S3_REGION: "us-east-1",
      S3_FORCE_PATH_STYLE: "true",
      S3_ACCESS_KEY_ID: "S3RVER",
      S3_SECRET_ACCESS_KEY: "S3RVER",
    },
    /** Idempotent: tests stop the store to simulate an outage, then close their harness. */
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.close();
      if (!options.directory) await rm(directory, { recursive: true, force: true });
    },
  };
}
