import { join } from "node:path";
import { freePort } from "@hangout/platform/testing/ports";
import type { Service } from "../scripts/build.ts";
import { type Child, json, spawnChild, waitReady } from "./common.ts";
import { productionProcess } from "./production.ts";

// How the HTTP sections start the real services and get a signed-in user from auth.

export const PASSWORD = "bench-Pa55word-correct-horse";

/**
 * One service as production runs it (production.ts) with the bench's settings, once its readiness
 * URL answers. `settings` runs after the bundle is built, right before the spawn, so that the
 * ports it picks are still free.
 */
export async function startProduction<S extends { env: Record<string, string>; ready: string }>(
  service: Service,
  logDir: string,
  settings: () => S,
): Promise<S & { child: Child; describe: string }> {
  const production = await productionProcess(service);
  const chosen = settings();
  const child = spawnChild(service, production.cmd, { ...production.env, ...chosen.env }, logDir);
  await waitReady(child, chosen.ready);
  return { ...chosen, child, describe: production.describe };
}

/**
 * A service with one HTTP port (a free one, in `portVariable`), as production runs it, once its
 * /readyz answers; `env` gets its base URL.
 */
export const startOnFreePort = (
  service: Service,
  logDir: string,
  portVariable: string,
  env: (url: string) => Record<string, string>,
) =>
  startProduction(service, logDir, () => {
    const port = freePort();
    const url = `http://127.0.0.1:${port}`;
    return { url, ready: `${url}/readyz`, env: { ...env(url), [portVariable]: String(port) } };
  });

/** Every service as it runs for real: telemetry on, one JSON access-log line per request. */
export const runningEnv = (otlpUrl: string) => ({
  DEPLOY_ENV: "development",
  LOG_LEVEL: "info",
  OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl,
});

/**
 * auth on free ports with its database and `env`; its gRPC server listens on `grpcPort` only when
 * `env` carries the certificate settings (STEP_CA_URL).
 */
export function startAuth(logDir: string, databaseUrl: string, env: Record<string, string>) {
  return startProduction("auth", logDir, () => {
    const port = freePort();
    const grpcPort = freePort();
    const url = `http://127.0.0.1:${port}`;
    return {
      url,
      grpcPort,
      ready: `${url}/readyz`,
      env: {
        ...env,
        AUTH_PORT: String(port),
        AUTH_GRPC_PORT: String(grpcPort),
        AUTH_DATABASE_URL: databaseUrl,
        AUTH_JWT_PRIVATE_KEY_FILE: join(logDir, "jwt-es256.pem"),
        // A run fits in the default 900 s, but a slow start or apt-get must not expire the token.
        AUTH_ACCESS_TOKEN_TTL_SECONDS: "3600",
      },
    };
  });
}

/**
 * file on free ports with its database and `env` (certificate, S3 and broker settings). Its
 * periodic passes stay off: nothing a bench leaves PENDING or PROCESSING gets old enough.
 */
export function startFile(logDir: string, databaseUrl: string, env: Record<string, string>) {
  return startProduction("file", logDir, () => {
    const httpPort = freePort();
    const grpcPort = freePort();
    return {
      grpcPort,
      ready: `http://127.0.0.1:${httpPort}/readyz`,
      env: {
        ...env,
        FILE_HTTP_PORT: String(httpPort),
        FILE_GRPC_PORT: String(grpcPort),
        FILE_DATABASE_URL: databaseUrl,
        FILE_REAPER_INTERVAL_SECONDS: "3600",
        FILE_PROCESSING_SWEEP_INTERVAL_SECONDS: "3600",
      },
    };
  });
}

/** A new user, signed up and logged in through auth's HTTP API. */
export async function signUpAndLogIn(authUrl: string) {
  const email = `bench-${Date.now().toString(36)}@example.com`;
  const headers = { "content-type": "application/json" };
  const user = await json<{ id: string }>(
    await fetch(`${authUrl}/auth/signup`, {
      method: "POST",
      headers,
      body: JSON.stringify({ email, password: PASSWORD, name: "Bench User" }),
    }),
    201,
    "sign-up",
  );
  const loginBody = JSON.stringify({ email, password: PASSWORD });
  const { accessToken } = await json<{ accessToken: string }>(
    await fetch(`${authUrl}/auth/login`, { method: "POST", headers, body: loginBody }),
    200,
    "login",
  );
  return { userId: user.id, accessToken, loginBody };
}
