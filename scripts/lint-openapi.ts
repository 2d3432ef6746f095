/**
 * `bun run lint:openapi`: builds the OpenAPI document of each HTTP service as it serves it at
 * /docs/json and lints it with Redocly CLI (redocly.yaml: the recommended rules and a few of the
 * platform's own). Exits 1 on any error; warnings are printed.
 *
 * Nothing needs to run: no database, CA or other service. Each app is the service's real
 * `createHttpApp` with its real routes, given dependencies that throw if used; only /docs/json is
 * requested from it, and no route handler runs for that.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHttpApp, type HttpAppOptions } from "@hangout/platform/http-app";
import type { OpenApiDocument } from "@hangout/platform/openapi-document";
import { createPlatform, type Platform } from "@hangout/platform/platform";
import type { ServiceConfig, ServiceDefinition } from "@hangout/platform/service/definition";
import { authService } from "../services/auth/src/app.ts";
import { routes as authRoutes } from "../services/auth/src/routes/index.ts";
import { fileService } from "../services/file/src/app.ts";
import { hangoutService } from "../services/hangout/src/app.ts";
import { routes as hangoutRoutes } from "../services/hangout/src/routes/index.ts";
import { notificationService } from "../services/notification/src/app.ts";
import { routes as notificationRoutes } from "../services/notification/src/routes/index.ts";

const ROOT = join(import.meta.dir, "..");

/**
 * Dependencies for an app that only describes itself: calling anything on them throws. Reading
 * a member does not, so a handler fails where the real one would call its dependency.
 */
const unused = <T>(service: string): T => refused(service) as T;

const refused = (path: string): unknown =>
  new Proxy(() => {}, {
    get: (_, name) => refused(`${path}.${String(name)}`),
    apply: () => {
      throw new Error(`${path}() is not available: this app only serves its OpenAPI document`);
    },
  });

type Routes = NonNullable<HttpAppOptions["routes"]>;

/** Every HTTP service and its routes; file's HTTP server has only the platform's (app.ts). */
const SERVICES: { definition: ServiceDefinition<ServiceConfig, unknown>; routes: Routes }[] = [
  { definition: authService, routes: authRoutes(unused("auth")) },
  { definition: hangoutService, routes: hangoutRoutes(unused("hangout")) },
  { definition: fileService, routes: [] },
  { definition: notificationService, routes: notificationRoutes(unused("notification")) },
] as never;

export interface ServiceApp {
  service: string;
  /** Where the service listens by default (its config's defaults). */
  origin: string;
  app: ReturnType<typeof createHttpApp>;
  platform: Platform;
}

/** Each service's app as `startService` makes it, with the routes above. Close each platform. */
export function serviceApps(): ServiceApp[] {
  return SERVICES.map(({ definition, routes }) => {
    const config = definition.loadConfig({});
    const platform = createPlatform(definition.name, config, {
      logDestination: { write: () => {} },
    });
    const app = createHttpApp(platform, {
      version: "1.0.0",
      description: definition.description,
      readiness: [],
      routes,
      trustSuccessBodies: true,
      fastStringFormats: true,
    });
    const { hostname, port } = definition.http(config);
    return { service: definition.name, origin: `http://${hostname}:${port}`, app, platform };
  });
}

export async function fetchDocument({ app, origin }: ServiceApp): Promise<OpenApiDocument> {
  const response = await app.handle(new Request(`${origin}/docs/json`));
  if (response.status !== 200) throw new Error(`/docs/json answered ${response.status}`);
  return (await response.json()) as OpenApiDocument;
}

export interface LintProblem {
  ruleId: string;
  severity: "error" | "warn";
  message: string;
  location: { pointer: string }[];
}

/** Redocly's verdict on one document (its `--format json` output). */
export async function lintDocument(service: string, document: OpenApiDocument) {
  const dir = await mkdtemp(join(tmpdir(), "openapi-"));
  try {
    const file = join(dir, `${service}.json`);
    await writeFile(file, JSON.stringify(document, null, 2));
    const redocly = Bun.spawn(
      [
        process.execPath,
        "x",
        "redocly",
        "lint",
        "--config",
        "redocly.yaml",
        "--format",
        "json",
      ].concat(["--max-problems", "1000", file]),
      {
        cwd: ROOT,
        stdout: "pipe",
        stderr: "pipe",
        env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
      },
    );
    const [out, err] = await Promise.all([
      new Response(redocly.stdout).text(),
      new Response(redocly.stderr).text(),
      redocly.exited,
    ]);
    try {
      return JSON.parse(out) as {
        totals: { errors: number; warnings: number };
        problems: LintProblem[];
      };
    } catch {
      throw new Error(`redocly gave no verdict (exit ${redocly.exitCode}):\n${err}${out}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  let errors = 0;
  for (const service of serviceApps()) {
    try {
      const { totals, problems } = await lintDocument(
        service.service,
        await fetchDocument(service),
      );
      errors += totals.errors;
      console.log(`${service.service}: ${totals.errors} errors, ${totals.warnings} warnings`);
      for (const p of problems) {
        console.log(`  ${p.severity} ${p.ruleId} ${p.location[0]?.pointer ?? ""}: ${p.message}`);
      }
    } finally {
      await service.platform.lifecycle.closeAll(service.platform.logger);
    }
  }
  process.exit(errors > 0 ? 1 : 0);
}
