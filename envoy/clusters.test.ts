import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { clusterEndpoints, clusterShape } from "./checks.ts";
import { type Any, config } from "./config.fixture.ts";

describe("cross-references and policy: clusters", () => {
  test("the hangout and notification clusters have the same policy as auth (timeouts, health checks, breakers)", () => {
    const clusters = config.static_resources.clusters as Any[];
    const auth = clusters.find((c) => c.name === "auth");
    const hangout = clusters.find((c) => c.name === "hangout");
    const notification = clusters.find((c) => c.name === "notification");
    expect(clusterEndpoints(auth)).toEqual(["auth:3001"]);
    expect(clusterEndpoints(hangout)).toEqual(["hangout:3002"]);
    expect(clusterEndpoints(notification)).toEqual(["notification:3004"]);
    expect(clusterShape(hangout)).toEqual(clusterShape(auth));
    expect(clusterShape(notification)).toEqual(clusterShape(auth));
    expect(hangout.health_checks[0].http_health_check.path).toBe("/readyz");
    // the shape comparison notices a difference
    const changed = structuredClone(hangout);
    changed.connect_timeout = "5s";
    expect(clusterShape(changed)).not.toEqual(clusterShape(auth));
  });

  test("upstream clusters are the compose services on the ports they listen on", () => {
    const compose: Any = parse(
      readFileSync(join(import.meta.dir, "../docker-compose.yml"), "utf8"),
      {
        merge: true,
      },
    );
    const ports: Record<string, string> = {
      auth: compose.services.auth.environment.AUTH_PORT,
      hangout: compose.services.hangout.environment.HANGOUT_PORT,
      notification: compose.services.notification.environment.NOTIFICATION_PORT,
    };
    const clusters = config.static_resources.clusters as Any[];
    for (const [name, port] of Object.entries(ports)) {
      const cluster = clusters.find((c) => c.name === name);
      expect(clusterEndpoints(cluster)).toEqual([`${name}:${port}`]);
      // Envoy starts once the upstream is ready
      expect(compose.services.envoy.depends_on[name].condition).toBe("service_healthy");
    }
  });
});
