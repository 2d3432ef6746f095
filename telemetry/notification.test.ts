/**
 * The notification service in the compose stack, checked without running it: its environment
 * against auth, Mailpit, the broker and the edge; its dashboard and alerts against the metrics the
 * service and the platform's consumer export. (The lists every service is in — ports, step-ca
 * volumes, database users, environment contracts — are in deploy/compose/.)
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { type Any, ROOT, read } from "@hangout/platform/testing/repository";
import { parse as parseYaml } from "yaml";
import { resolveComposeVars } from "../deploy/compose/compose.ts";
import {
  loadNotificationConfig,
  notificationConfigSchema,
} from "../services/notification/src/config.ts";
import {
  NOTIFICATION_METRICS,
  prometheusExpressions,
  sourcesUnder,
  unknownAlertMetrics,
  unregistered,
} from "./inspect.ts";

const services: Record<string, Any> = parseYaml(read("docker-compose.yml"), {
  merge: true,
}).services;
const env: Record<string, string> = services.notification.environment;
const resolved = (name: string) => resolveComposeVars(String(env[name]));

describe("docker-compose.yml: the notification service", () => {
  test("runs its bundle, migrates with the service's own database settings", () => {
    expect(services["notification-migrate"].command).toEqual([
      "bun",
      "services/notification/src/migrate.ts",
    ]);
    expect(services.notification.image).toBe(services.auth.image);
    expect(services["notification-migrate"].image).toBe(services.auth.image);
    expect(env.NOTIFICATION_HOST).toBe("0.0.0.0");
    for (const [name, value] of Object.entries(services["notification-migrate"].environment))
      expect({ name, value }).toEqual({ name, value: env[name] });
  });

  test("reaches auth by its compose name: JWKS, issuer and audience, UserDirectory over mTLS", () => {
    const auth = services.auth.environment;
    expect(env.AUTH_JWKS_URL).toBe(`http://auth:${auth.AUTH_PORT}/.well-known/jwks.json`);
    expect(env.AUTH_JWT_ISSUER).toBe(auth.AUTH_JWT_ISSUER);
    expect(env.AUTH_JWT_AUDIENCE).toBe(auth.AUTH_JWT_AUDIENCE);
    // a DNS name, the one in auth's certificate (grpc-js under Bun rejects an IP as server name)
    expect(env.AUTH_GRPC_TARGET).toBe(`auth:${auth.AUTH_GRPC_PORT}`);
    expect(env.STEP_CA_URL).toBe(auth.STEP_CA_URL);
    expect(env.STEP_CA_ROOT_FILE).toBe(auth.STEP_CA_ROOT_FILE);
    expect(env.STEP_CA_PROVISIONER_KEY_FILE).toBe(
      "/app/.data/step-ca/secrets/provisioners/notification.json",
    );
    expect(services.notification.volumes).toEqual(["notification-step-ca:/app/.data/step-ca:ro"]);
  });

  test("sends to Mailpit inside the network; Mailpit's page and API are published on loopback", () => {
    const mailpit = services.mailpit;
    expect(mailpit.image).toMatch(/^axllent\/mailpit:v\d+\.\d+\.\d+$/);
    expect(mailpit.healthcheck.test).toEqual(["CMD", "/mailpit", "readyz"]);
    const [smtpPublished, httpPublished] = (mailpit.ports as string[]).map(resolveComposeVars);
    const smtp = new URL(resolved("SMTP_URL"));
    expect(smtp.protocol).toBe("smtp:");
    expect(smtp.hostname).toBe("mailpit");
    expect(smtpPublished).toBe(`127.0.0.1:${smtp.port}:${smtp.port}`);
    expect(httpPublished).toBe("127.0.0.1:8025:8025");
  });

  test("consumes its queue from the compose broker", () => {
    expect(env.NOTIFICATION_QUEUE).toBe("notification.events");
    expect(env.EVENTS_EXCHANGE).toBe(services.hangout.environment.EVENTS_EXCHANGE);
    expect(resolved("AMQP_URL")).toBe(resolveComposeVars(services.hangout.environment.AMQP_URL));
  });

  test("links in emails: unsubscribe through the edge, the web app, a secret of the operator's", () => {
    const httpsPort = resolveComposeVars(services.envoy.ports[0]).split(":")[0];
    expect(resolved("NOTIFICATION_PUBLIC_URL")).toBe(`https://localhost:${httpsPort}`);
    expect(env.NOTIFICATION_PUBLIC_URL).toStartWith("${NOTIFICATION_PUBLIC_URL:-");
    expect(new URL(resolved("WEB_APP_URL")).origin).toBe(resolved("WEB_APP_URL"));
    // from the environment, with a development default that is not the service's own default
    expect(env.UNSUBSCRIBE_SECRET).toMatch(/^\$\{UNSUBSCRIBE_SECRET:-[^}]+\}$/);
    const builtIn = loadNotificationConfig({}).UNSUBSCRIBE_SECRET;
    expect(resolved("UNSUBSCRIBE_SECRET")).not.toBe(builtIn);
    expect(resolved("UNSUBSCRIBE_SECRET").length).toBeGreaterThanOrEqual(32);
  });

  test("the service reads every variable it is given, and the values load", () => {
    const values = Object.fromEntries(Object.keys(env).map((name) => [name, resolved(name)]));
    const config = loadNotificationConfig(values);
    expect(
      Object.keys(values).filter((name) => !(name in notificationConfigSchema.properties)),
    ).toEqual([]);
    expect(config.NOTIFICATION_PORT).toBe(3004);
    expect(config.SMTP_URL).toBe("smtp://mailpit:1025");
    expect(config.DEPLOY_ENV).toBe("production");
  });
});

describe("unsubscribe tokens ride in a query string, which no log or trace keeps", () => {
  test("the collector cuts the query off Envoy's http.url span attribute", () => {
    const otel: Any = parseYaml(read("telemetry/otel-collector/config.yaml"));
    const strip = otel.processors["transform/strip-query"];
    expect(otel.service.pipelines.traces.processors).toContain("transform/strip-query");
    expect(strip.trace_statements[0].context).toBe("span");
    const statement: string = strip.trace_statements[0].statements[0];
    const call = /^replace_pattern\(attributes\["http\.url"\], "([^"]+)", ""\)$/.exec(statement);
    expect(call).not.toBeNull();
    // OTTL's regular expressions are Go's RE2; this one means the same in JavaScript
    const pattern = new RegExp(call![1]!);
    const url = "https://localhost:8443/notifications/unsubscribe?token=c2VjcmV0.sig&x=1";
    expect(url.replace(pattern, "")).toBe("https://localhost:8443/notifications/unsubscribe");
    expect("https://localhost:8443/hangouts".replace(pattern, "")).toBe(
      "https://localhost:8443/hangouts",
    );
  });
});

describe("telemetry of the notification service", () => {
  const dashboard: Any = JSON.parse(read("telemetry/grafana/dashboards/notification.json"));
  const exprs = prometheusExpressions(dashboard);

  test("the dashboard shows emails by kind and outcome, SMTP latency, the backlog and the consumer", () => {
    const all = exprs.join("\n");
    expect(all).toContain("sum by (kind, outcome) (rate(notification_emails_total");
    expect(all).toMatch(
      /histogram_quantile\(0\.99, sum by \(le\) \(rate\(notification_email_send_seconds_bucket/,
    );
    expect(all).toContain("notification_deliveries_pending");
    expect(all).toContain("max(notification_deliveries_oldest_pending_seconds");
    for (const name of ["events_consumed_total", "events_dead_lettered_total"])
      expect(all).toContain(name);
  });

  test("every panel is the notification service's; consumer panels name its queue", () => {
    const queue = env.NOTIFICATION_QUEUE;
    for (const expr of exprs) {
      expect({ expr, ours: expr.includes('service="notification"') }).toEqual({ expr, ours: true });
      if (/events?_(consumed|failed|dead_lettered|consume)/.test(expr))
        expect(expr).toContain(`consumer="${queue}"`);
    }
  });

  test("the stuck-email alert and the dashboard's threshold agree", () => {
    const rules: Any = parseYaml(read("telemetry/prometheus/rules/notification.rules.yml"));
    const stuck = rules.groups[0].rules.find((r: Any) => r.alert === "NotificationEmailsStuck");
    const threshold = Number(/> (\d+)$/.exec(stuck.expr.trim())?.[1]);
    expect(threshold).toBe(600);
    const panel = dashboard.panels.find((p: Any) => p.title === "Oldest pending email");
    expect(panel.fieldConfig.defaults.thresholds.steps.at(-1).value).toBe(threshold);
  });

  test("alerts use only metrics the dashboard knows (the service's and the platform's)", () => {
    const rules: Any = parseYaml(read("telemetry/prometheus/rules/notification.rules.yml"));
    expect(
      unknownAlertMetrics(
        rules.groups.flatMap((g: Any) => g.rules),
        "hangout-notification",
      ),
    ).toEqual([]);
  });

  test("the service registers the metrics the dashboard and alerts query", () => {
    const sources = sourcesUnder(join(ROOT, "services/notification/src"));
    expect(unregistered(NOTIFICATION_METRICS, sources)).toEqual([]);
    for (const label of ["kind", "outcome"]) expect(sources).toContain(`"${label}"`);
  });
});
