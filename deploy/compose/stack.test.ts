/**
 * docker-compose.yml as a whole, checked without running it: valid for Compose, the services of
 * the stack, pinned images, mounted files that exist, start-up order, published ports and
 * Envoy's mounts.
 */
import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ROOT, read, runTool } from "@hangout/platform/testing/repository";
import { resolveComposeVars, services } from "./compose.ts";

describe("docker-compose.yml", () => {
  test("is valid for Compose (docker compose config / docker-compose config)", () => {
    const hint = "apt-get install -y docker-compose (or the docker compose plugin)";
    const hasPlugin =
      Bun.which("docker") !== null &&
      Bun.spawnSync(["docker", "compose", "version"], { stdout: "ignore", stderr: "ignore" })
        .exitCode === 0;
    const { exitCode, output } = hasPlugin
      ? runTool(["docker", "compose", "-f", "docker-compose.yml", "config", "-q"], hint)
      : runTool(["docker-compose", "-f", "docker-compose.yml", "config", "-q"], hint);
    expect(output).toBe("");
    expect(exitCode).toBe(0);
  });

  test("has the production-like stack of this issue", () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        "alloy",
        "auth",
        "auth-keys",
        "auth-migrate",
        "clamav",
        "edge-certs",
        "envoy",
        "file",
        "file-migrate",
        "grafana",
        "hangout",
        "hangout-migrate",
        "localstack",
        "loki",
        "mailpit",
        "media",
        "mysql",
        "mysql-databases",
        "notification",
        "notification-migrate",
        "otel-collector",
        "prometheus",
        "rabbitmq",
        "step-ca",
        "step-ca-init",
        "tempo",
        "tempo-init",
        "web",
      ].sort(),
    );
  });

  test("every image pins a tag (no latest), also the Dockerfile's base images", () => {
    for (const [name, svc] of Object.entries(services)) {
      expect({ name, image: typeof svc.image }).toEqual({ name, image: "string" });
      const image = resolveComposeVars(svc.image);
      const tag =
        /^[^@]+:([^/:@]+)$/.exec(image)?.[1] ?? (image.includes("@sha256:") ? "digest" : undefined);
      expect({ name, image, pinned: tag !== undefined && tag !== "latest" }).toEqual({
        name,
        image,
        pinned: true,
      });
    }
    const dockerfile = read("Dockerfile");
    const bunVersion = /^ARG BUN_VERSION=(\S+)$/m.exec(dockerfile)?.[1];
    const packageJson = JSON.parse(read("package.json"));
    expect(`bun@${bunVersion}`).toBe(packageJson.packageManager);
    for (const [, from] of dockerfile.matchAll(/^FROM\s+(\S+)/gm)) {
      const image = from!.replace(/\$\{BUN_VERSION\}/, bunVersion!);
      expect(image).toMatch(/^[^:]+:[^:]+$/);
      expect(image).not.toMatch(/:latest$/);
    }
  });

  test("every config file it mounts exists in the repository", () => {
    let mounts = 0;
    for (const [name, svc] of Object.entries(services)) {
      for (const volume of svc.volumes ?? []) {
        const source = resolveComposeVars(String(volume).split(":")[0]!);
        if (!source.startsWith("./")) continue; // named volume or host socket
        mounts++;
        expect({ name, source, exists: existsSync(join(ROOT, source)) }).toEqual({
          name,
          source,
          exists: true,
        });
      }
      for (const file of svc.env_file ?? []) expect(existsSync(join(ROOT, file))).toBe(true);
    }
    expect(mounts).toBeGreaterThanOrEqual(9);
    // the Dockerfile and the init scripts it relies on
    expect(existsSync(join(ROOT, services.auth.build.dockerfile))).toBe(true);
    expect(existsSync(join(ROOT, ".dockerignore"))).toBe(true);
  });

  test("dependencies: migrate after MySQL is healthy, auth after migrate succeeded, Envoy after auth", () => {
    expect(services["auth-migrate"].depends_on.mysql.condition).toBe("service_healthy");
    expect(services.auth.depends_on["auth-migrate"].condition).toBe(
      "service_completed_successfully",
    );
    expect(services.envoy.depends_on.auth.condition).toBe("service_healthy");
    expect(services.envoy.depends_on["edge-certs"].condition).toBe(
      "service_completed_successfully",
    );
    expect(services.auth.healthcheck.test.join(" ")).toContain("/readyz");
    expect(services.mysql.healthcheck).toBeDefined();
    // file: after its schema, the CA material, a healthy CA and a healthy S3 store
    const file = services.file.depends_on;
    expect(file["file-migrate"].condition).toBe("service_completed_successfully");
    expect(file["step-ca-init"].condition).toBe("service_completed_successfully");
    expect(file["step-ca"].condition).toBe("service_healthy");
    expect(file.localstack.condition).toBe("service_healthy");
    expect(services["file-migrate"].depends_on.mysql.condition).toBe("service_healthy");
    expect(services["file-migrate"].depends_on["mysql-databases"].condition).toBe(
      "service_completed_successfully",
    );
    expect(services["mysql-databases"].depends_on.mysql.condition).toBe("service_healthy");
    expect(services["step-ca"].depends_on["step-ca-init"].condition).toBe(
      "service_completed_successfully",
    );
    expect(services.file.healthcheck.test.join(" ")).toContain(
      `http://127.0.0.1:${services.file.environment.FILE_HTTP_PORT}/readyz`,
    );
    expect(services["step-ca"].healthcheck.test.slice(0, 4)).toEqual([
      "CMD",
      "step",
      "ca",
      "health",
    ]);
    expect(services.localstack.healthcheck.test.join(" ")).toContain("/_localstack/health");
    // hangout: after its schema, the CA material, a healthy CA, and healthy auth and file (it
    // verifies tokens with auth's JWKS and calls both over gRPC); Envoy after hangout
    const hangout = services.hangout.depends_on;
    expect(hangout["hangout-migrate"].condition).toBe("service_completed_successfully");
    expect(hangout["step-ca-init"].condition).toBe("service_completed_successfully");
    expect(hangout["step-ca"].condition).toBe("service_healthy");
    expect(hangout.auth.condition).toBe("service_healthy");
    expect(hangout.file.condition).toBe("service_healthy");
    expect(hangout["otel-collector"].condition).toBe("service_started");
    expect(services["hangout-migrate"].depends_on.mysql.condition).toBe("service_healthy");
    expect(services["hangout-migrate"].depends_on["mysql-databases"].condition).toBe(
      "service_completed_successfully",
    );
    expect(services.envoy.depends_on.hangout.condition).toBe("service_healthy");
    expect(services.hangout.healthcheck.test.join(" ")).toContain(
      `http://127.0.0.1:${services.hangout.environment.HANGOUT_PORT}/readyz`,
    );
    // notification: after its schema, the CA material, a healthy CA, a healthy auth (JWKS and
    // UserDirectory over gRPC), a healthy broker (it consumes) and SMTP server; Envoy after it
    const notification = services.notification.depends_on;
    expect(notification["notification-migrate"].condition).toBe("service_completed_successfully");
    expect(notification["step-ca-init"].condition).toBe("service_completed_successfully");
    expect(notification["step-ca"].condition).toBe("service_healthy");
    expect(notification.auth.condition).toBe("service_healthy");
    expect(notification.rabbitmq.condition).toBe("service_healthy");
    expect(notification.mailpit.condition).toBe("service_healthy");
    expect(services["notification-migrate"].depends_on.mysql.condition).toBe("service_healthy");
    expect(services["notification-migrate"].depends_on["mysql-databases"].condition).toBe(
      "service_completed_successfully",
    );
    expect(services.envoy.depends_on.notification.condition).toBe("service_healthy");
    expect(services.notification.healthcheck.test.join(" ")).toContain(
      `http://127.0.0.1:${services.notification.environment.NOTIFICATION_PORT}/readyz`,
    );
    // one-shot jobs never restart
    for (const job of [
      "mysql-databases",
      "step-ca-init",
      "file-migrate",
      "auth-migrate",
      "hangout-migrate",
      "notification-migrate",
    ])
      expect(services[job].restart).toBe("no");
    for (const [name, svc] of Object.entries(services)) {
      for (const dep of Object.keys(svc.depends_on ?? {})) {
        expect({ name, dep, exists: dep in services }).toEqual({ name, dep, exists: true });
      }
    }
  });

  test("ports follow ARCHITECTURE.md; only Envoy listens beyond loopback", () => {
    const published: Record<string, string[]> = {};
    for (const [name, svc] of Object.entries(services)) {
      published[name] = (svc.ports ?? []).map((p: string) => resolveComposeVars(p));
    }
    expect(published.envoy).toEqual(["8443:8443", "8080:8080"]);
    expect(published.auth).toEqual(["127.0.0.1:3001:3001"]);
    expect(published.file).toEqual(["127.0.0.1:3003:3003"]); // health and metrics; gRPC stays inside
    expect(published.hangout).toEqual(["127.0.0.1:3002:3002"]); // direct access; public via Envoy
    expect(published.notification).toEqual(["127.0.0.1:3004:3004"]);
    expect(published.media).toEqual(["127.0.0.1:3005:3005"]); // health and metrics; no API
    expect(published.clamav).toEqual([]); // clamd stays inside the network
    expect(published.mailpit).toEqual(["127.0.0.1:1025:1025", "127.0.0.1:8025:8025"]);
    expect(published.rabbitmq).toEqual(["127.0.0.1:5672:5672", "127.0.0.1:15672:15672"]);
    expect(published["step-ca"]).toEqual(["127.0.0.1:9443:9443"]);
    expect(published.localstack).toEqual(["127.0.0.1:4566:4566"]);
    expect(published.mysql).toEqual(["127.0.0.1:3306:3306"]);
    expect(published.prometheus).toEqual(["127.0.0.1:9090:9090"]);
    expect(published.grafana).toEqual(["127.0.0.1:3000:3000"]);
    expect(published.loki).toEqual(["127.0.0.1:3100:3100"]);
    expect(published.tempo).toEqual(["127.0.0.1:3200:3200"]);
    expect(published["otel-collector"]).toEqual(["127.0.0.1:4318:4318"]);
    for (const [name, ports] of Object.entries(published)) {
      if (name === "envoy") continue;
      for (const p of ports)
        expect({ name, p, loopback: p.startsWith("127.0.0.1:") }).toEqual({
          name,
          p,
          loopback: true,
        });
    }
  });

  test("Envoy gets its config and certificates where envoy.yaml expects them", () => {
    const envoy = services.envoy;
    const configPath = envoy.command[envoy.command.indexOf("--config-path") + 1];
    expect(envoy.volumes).toContain(`./envoy/envoy.yaml:${configPath}:ro`);
    expect(resolveComposeVars(envoy.volumes[1])).toBe("edge-certs:/etc/envoy/certs:ro");
    expect(services["edge-certs"].volumes).toEqual(["edge-certs:/app/.data/certs"]);
    expect(services["edge-certs"].command).toEqual([
      "bun",
      "envoy/dev-cert.ts",
      "/app/.data/certs",
    ]);
    const envoyYaml = read("envoy/envoy.yaml");
    expect(envoyYaml).toContain("filename: /etc/envoy/certs/tls.crt");
    expect(envoyYaml).toContain("filename: /etc/envoy/certs/tls.key");
  });
});
