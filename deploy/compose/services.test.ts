/**
 * The services in docker-compose.yml, checked without running them: auth and its signing key,
 * file and its S3 store, hangout, and every service's environment against its config schema.
 */
import { describe, expect, test } from "bun:test";
import { createPrivateKey } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { read } from "@hangout/platform/testing/repository";
import { RUNTIME_VARIABLE } from "../../bench/production.ts";
import { PARSER_HEADER_LIMIT_FLAG } from "../../packages/platform/src/request-limits.ts";
import { authConfigSchema, loadAuthConfig } from "../../services/auth/src/config.ts";
import { fileConfigSchema, loadFileConfig } from "../../services/file/src/config.ts";
import { hangoutConfigSchema, loadHangoutConfig } from "../../services/hangout/src/config.ts";
import { loadMediaConfig, mediaConfigSchema } from "../../services/media/src/config.ts";
import {
  loadNotificationConfig,
  notificationConfigSchema,
} from "../../services/notification/src/config.ts";
import { resolveComposeVars, services } from "./compose.ts";

describe("docker-compose.yml", () => {
  test("auth runs behind Envoy with the contract's environment", () => {
    const env = services.auth.environment;
    expect(services.auth.command).toEqual(["bun", PARSER_HEADER_LIMIT_FLAG, "dist/auth/main.js"]);
    expect(services["auth-migrate"].command).toEqual(["bun", "services/auth/src/migrate.ts"]);
    expect(env.AUTH_HOST).toBe("0.0.0.0");
    expect(env.AUTH_PORT).toBe("3001");
    expect(env.AUTH_TRUST_PROXY).toBe("true");
    expect(resolveComposeVars(env.AUTH_DATABASE_URL)).toBe(
      "mysql://auth:auth-dev-password@mysql:3306/auth",
    );
    expect(env.AUTH_JWT_PRIVATE_KEY_FILE).toStartWith("/app/.data/auth/");
    // auth.v1.UserDirectory over mTLS (on because STEP_CA_URL is set)
    expect(env.AUTH_GRPC_PORT).toBe("50052");
    expect(env.STEP_CA_URL).toBeDefined();
    expect(services.auth.volumes).toContain("auth-data:/app/.data/auth");
    // the DB password has one source of truth (same default in the URL, MySQL and its init script)
    expect(resolveComposeVars(services.mysql.environment.AUTH_DB_PASSWORD)).toBe(
      "auth-dev-password",
    );
  });

  test("auth-keys creates an ES256 PKCS#8 key once, where auth reads it, and keeps it", async () => {
    const keys = services["auth-keys"];
    const keyFile = keys.environment.AUTH_JWT_PRIVATE_KEY_FILE;
    expect(keyFile).toBe(services.auth.environment.AUTH_JWT_PRIVATE_KEY_FILE);
    expect(keys.volumes).toEqual(["auth-data:/app/.data/auth"]);
    expect(services.auth.volumes).toContain(keys.volumes[0]);
    expect(keys.command.slice(0, 2)).toEqual(["bun", "-e"]);
    const dir = mkdtempSync(join(tmpdir(), "auth-keys-"));
    try {
      const path = join(dir, "jwt-es256.pem");
      const runOnce = () =>
        Bun.spawnSync([process.execPath, "-e", keys.command[2]], {
          env: { ...process.env, AUTH_JWT_PRIVATE_KEY_FILE: path },
          stdout: "pipe",
          stderr: "pipe",
        });
      const first = runOnce();
      expect(first.stdout.toString().trim()).toBe(`created ${path}`);
      expect(first.exitCode).toBe(0);
      const pem = readFileSync(path, "utf8");
      expect(statSync(path).mode & 0o777).toBe(0o600);
      const key = createPrivateKey(pem);
      expect(key.asymmetricKeyType).toBe("ec");
      expect(key.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
      expect(pem).toStartWith("-----BEGIN PRIVATE KEY-----");
      expect(runOnce().stdout.toString().trim()).toBe(`kept ${path}`);
      expect(readFileSync(path, "utf8")).toBe(pem);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("docker-compose.yml: the file service and its S3 store", () => {
  const env = services.file.environment;

  test("file runs with the contract's environment", () => {
    expect(services.file.command).toEqual(["bun", PARSER_HEADER_LIMIT_FLAG, "dist/file/main.js"]);
    expect(services["file-migrate"].command).toEqual(["bun", "services/file/src/migrate.ts"]);
    expect(env.FILE_HOST).toBe("0.0.0.0");
    expect(env.FILE_GRPC_PORT).toBe("50051");
    expect(env.FILE_HTTP_PORT).toBe("3003");
    expect(resolveComposeVars(env.S3_REGION)).toBe("us-east-1");
    expect(resolveComposeVars(env.S3_BUCKET)).toBe("hangout-files");
    expect(env.S3_FORCE_PATH_STYLE).toBe("true");
    for (const name of [
      "FILE_UPLOAD_URL_TTL_SECONDS",
      "FILE_DOWNLOAD_URL_TTL_SECONDS",
      "FILE_REAPER_INTERVAL_SECONDS",
    ])
      expect({ name, value: env[name] }).toEqual({ name, value: expect.stringMatching(/^\d+$/) });
    expect(env.FILE_UPLOAD_URL_TTL_SECONDS).toBe("900"); // 15 minutes (ARCHITECTURE.md)
    // the migration job sees the same settings as the service
    for (const [name, value] of Object.entries(services["file-migrate"].environment))
      expect({ name, value }).toEqual({ name, value: env[name] });
  });

  test("S3: the service reaches LocalStack inside, browsers at its published port", () => {
    const store = services.localstack;
    expect(store.image).toStartWith("localstack/localstack:");
    const [hostIp, hostPort, containerPort] = resolveComposeVars(store.ports[0]).split(":");
    const inside = new URL(resolveComposeVars(env.S3_ENDPOINT));
    expect(`${inside.protocol}//${inside.hostname}:${inside.port}`).toBe(
      `http://localstack:${containerPort}`,
    );
    const outside = new URL(resolveComposeVars(env.S3_PUBLIC_ENDPOINT));
    expect(hostIp).toBe("127.0.0.1");
    expect(outside.hostname).toBe("localhost");
    expect(outside.port).toBe(hostPort!);
    // S3 only; presigned URLs' signatures are checked, which LocalStack does against `test`
    expect(store.environment.SERVICES).toBe("s3");
    expect(store.environment.S3_SKIP_SIGNATURE_VALIDATION).toBe("0");
    expect(resolveComposeVars(env.S3_SECRET_ACCESS_KEY)).toBe("test");
    // the browser origin that may PUT is the edge (Envoy's published HTTPS port)
    const origins = resolveComposeVars(env.S3_CORS_ORIGINS).split(",");
    const https = resolveComposeVars(services.envoy.ports[0]).split(":")[0];
    expect(origins).toContain(`https://localhost:${https}`);
    // the healthcheck's pattern matches LocalStack's health document
    const check = String(store.healthcheck.test[1]);
    const pattern = /grep -Eq '(.*)'$/.exec(check)?.[1];
    expect(pattern).toBeDefined();
    const regex = new RegExp(pattern!);
    expect(regex.test(JSON.stringify({ services: { s3: "running" } }, null, 0))).toBe(true);
    expect(regex.test('{"services": {"s3": "available"}, "edition": "community"}')).toBe(true);
    expect(regex.test('{"services": {"s3": "error"}}')).toBe(false);
  });
});

describe("docker-compose.yml: the hangout service, and every service's environment contract", () => {
  const env = services.hangout.environment;
  const resolved = (e: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(e).map(([k, v]) => [k, resolveComposeVars(String(v))]));

  test("the producers and the consumer reach the compose broker with its credentials", () => {
    const broker = services.rabbitmq;
    expect(broker.healthcheck.test).toContain("rabbitmq-diagnostics");
    const user = broker.environment.RABBITMQ_DEFAULT_USER;
    for (const name of ["auth", "file", "hangout", "notification", "media"]) {
      const url = new URL(String(resolved(services[name].environment).AMQP_URL));
      expect(url.hostname).toBe("rabbitmq");
      expect(url.username).toBe(user);
      expect(url.password).toBe(String(resolved(broker.environment).RABBITMQ_DEFAULT_PASS));
    }
  });

  test("hangout runs behind Envoy with the contract's environment", () => {
    expect(services.hangout.command).toEqual([
      "bun",
      PARSER_HEADER_LIMIT_FLAG,
      "dist/hangout/main.js",
    ]);
    expect(services["hangout-migrate"].command).toEqual(["bun", "services/hangout/src/migrate.ts"]);
    expect(services.hangout.image).toBe(services.auth.image);
    expect(services["hangout-migrate"].image).toBe(services.auth.image);
    expect(env.HANGOUT_HOST).toBe("0.0.0.0");
    expect(env.HANGOUT_PORT).toBe("3002");
    for (const name of [
      "GRPC_TIMEOUT_MS",
      "IDEMPOTENCY_TTL_SECONDS",
      "HANGOUT_SWEEP_INTERVAL_SECONDS",
      "HANGOUT_PENDING_MEMORY_TTL_SECONDS",
    ])
      expect({ name, value: env[name] }).toEqual({ name, value: expect.stringMatching(/^\d+$/) });
    // a pending memory is reconciled only after its upload URL can no longer be used
    expect(Number(env.HANGOUT_PENDING_MEMORY_TTL_SECONDS)).toBeGreaterThan(
      Number(services.file.environment.FILE_UPLOAD_URL_TTL_SECONDS),
    );
    // the migration job sees the same database settings as the service
    for (const [name, value] of Object.entries(services["hangout-migrate"].environment))
      expect({ name, value }).toEqual({ name, value: env[name] });
  });

  test("hangout reaches auth and file by their compose names and ports", () => {
    const auth = services.auth.environment;
    const file = services.file.environment;
    expect(env.AUTH_JWKS_URL).toBe(`http://auth:${auth.AUTH_PORT}/.well-known/jwks.json`);
    // gRPC targets are DNS names (grpc-js under Bun rejects an IP as TLS server name), and the
    // names are the servers' certificate identities (SAN = service name)
    expect(env.AUTH_GRPC_TARGET).toBe(`auth:${auth.AUTH_GRPC_PORT}`);
    expect(env.FILE_GRPC_TARGET).toBe(`file:${file.FILE_GRPC_PORT}`);
    for (const target of [env.AUTH_GRPC_TARGET, env.FILE_GRPC_TARGET])
      expect(target).not.toMatch(/^(\d+\.){3}\d+:|^\[|^localhost:/);
    // tokens are verified with auth's issuer and audience
    expect(env.AUTH_JWT_ISSUER).toBe(auth.AUTH_JWT_ISSUER);
    expect(env.AUTH_JWT_AUDIENCE).toBe(auth.AUTH_JWT_AUDIENCE);
    // its mTLS material: the same CA, its own provisioner key
    expect(env.STEP_CA_URL).toBe(auth.STEP_CA_URL);
    expect(env.STEP_CA_ROOT_FILE).toBe(auth.STEP_CA_ROOT_FILE);
    expect(env.STEP_CA_PROVISIONER_KEY_FILE).toBe(
      "/app/.data/step-ca/secrets/provisioners/hangout.json",
    );
    expect(services.hangout.volumes).toEqual(["hangout-step-ca:/app/.data/step-ca:ro"]);
  });

  const contracts = [
    ["auth", authConfigSchema, loadAuthConfig],
    ["file", fileConfigSchema, loadFileConfig],
    ["hangout", hangoutConfigSchema, loadHangoutConfig],
    ["notification", notificationConfigSchema, loadNotificationConfig],
    ["media", mediaConfigSchema, loadMediaConfig],
  ] as const;
  for (const [name, schema, load] of contracts) {
    test(`${name} (and its migrate job): every variable is one the service reads, with a valid value`, () => {
      // media has no database, hence no migrate job
      for (const svc of [name, `${name}-migrate`].filter((svc) => svc in services)) {
        const vars = resolved(services[svc].environment);
        const known = Object.keys(schema.properties);
        // Bun's and its allocator's own settings are read by the runtime, not the service.
        for (const key of Object.keys(vars).filter((key) => !RUNTIME_VARIABLE.test(key)))
          expect({ svc, key, known: known.includes(key) }).toEqual({ svc, key, known: true });
        expect(() => load(vars)).not.toThrow();
      }
    });
  }

  test("each service runs the bundle the image builds; auth's heap is sized to its memory limit", () => {
    const dockerfile = read("Dockerfile");
    expect(dockerfile).toMatch(/^RUN bun scripts\/build\.ts$/m);
    // Bun's parser limit sits above the services' own, which answer with problem+json.
    expect(dockerfile).toContain(
      `CMD ["sh", "-c", "exec bun ${PARSER_HEADER_LIMIT_FLAG} dist/\${SERVICE}/main.js"]`,
    );
    // A bundle left on the host never stands in for the one the image builds.
    expect(read(".dockerignore").split("\n")).toContain("**/dist");
    for (const name of ["auth", "file", "hangout", "notification", "media"])
      expect(services[name].command).toEqual([
        "bun",
        PARSER_HEADER_LIMIT_FLAG,
        `dist/${name}/main.js`,
      ]);
    // JavaScriptCore is told each loaded service's container limit (decision 0008).
    for (const name of ["auth", "file", "hangout"]) {
      const limit = /^(\d+)m$/.exec(services[name].mem_limit)?.[1];
      expect(Number(services[name].environment.BUN_JSC_forceRAMSize)).toBe(Number(limit) * 2 ** 20);
    }
    // argon2id holds 19 MiB per hash in progress: a bounded number, whatever the host's cores.
    expect(Number(services.auth.environment.AUTH_PASSWORD_CONCURRENCY)).toBe(1);
  });

  test("the hangout config seen by the service", () => {
    const config = loadHangoutConfig(resolved(env));
    expect(config.HANGOUT_PORT).toBe(3002);
    expect(config.HANGOUT_DATABASE_URL).toBe(
      "mysql://hangout:hangout-dev-password@mysql:3306/hangout",
    );
    expect(config.DEPLOY_ENV).toBe("production");
    expect(config.STEP_CA_URL).toBe("https://step-ca:9443");
  });
});
