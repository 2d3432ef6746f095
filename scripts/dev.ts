/**
 * The embedded default: every service on this machine with hot reload, against the local
 * MySQL/MariaDB server (made to answer by scripts/ensure-mysql.sh) and a real step-ca (built from
 * Debian's sources by scripts/ensure-step-ca.sh, bootstrapped into .data/step-ca). Applies
 * migrations first, prints every URL, and stops everything on Ctrl-C.
 */
import { migrateDatabase } from "@hangout/platform/db";
import { bootstrapCa } from "../step-ca/bootstrap.ts";
import { ensureStepCaBinary, startStepCa } from "../step-ca/run.ts";

interface DevService {
  name: string;
  entry: string;
  databaseUrlVar: string;
  defaultDatabaseUrl: string;
  urls: (env: Record<string, string | undefined>) => string[];
}

const services: DevService[] = [
  {
    name: "auth",
    entry: "services/auth/src/main.ts",
    databaseUrlVar: "AUTH_DATABASE_URL",
    defaultDatabaseUrl: "mysql://hangout:hangout@127.0.0.1:3306/auth",
    urls: (env) => {
      const base = `http://${env.AUTH_HOST ?? "127.0.0.1"}:${env.AUTH_PORT ?? 3001}`;
      const grpc = `localhost:${env.AUTH_GRPC_PORT ?? 50052}`;
      return [
        `${base}/docs`,
        `${base}/.well-known/jwks.json`,
        `${base}/metrics`,
        `${grpc} (gRPC, mTLS: auth.v1.UserDirectory)`,
      ];
    },
  },
];

for (const service of services) {
  await migrateDatabase(
    process.env[service.databaseUrlVar] ?? service.defaultDatabaseUrl,
    service.name,
  );
}

const pki = await bootstrapCa();
// step-ca when it can be built here; otherwise the services mint from the same CA material.
const ca = await ensureStepCaBinary().then(
  (binary) => startStepCa({ binary, dir: pki.dir }),
  (error: Error) => {
    console.warn(`step-ca unavailable (${error.message}); using the in-process local CA`);
    return undefined;
  },
);
const caEnv: Record<string, string> = ca
  ? { STEP_CA_URL: process.env.STEP_CA_URL ?? ca.url, STEP_CA_ROOT_FILE: pki.rootCert }
  : { LOCAL_CA_DIR: pki.dir };

const children = services.map((service) =>
  Bun.spawn(["bun", "--watch", service.entry], {
    stdio: ["inherit", "inherit", "inherit"],
    env: {
      ...process.env,
      DEPLOY_ENV: process.env.DEPLOY_ENV ?? "development",
      ...caEnv,
    },
  }),
);

console.log("\nHangout Planner (embedded default) is starting:");
console.log(`  step-ca  ${ca ? ca.url : "(local CA in-process)"} (root: ${pki.rootCert})`);
for (const service of services) {
  for (const url of service.urls(process.env)) console.log(`  ${service.name.padEnd(8)} ${url}`);
}
console.log("Ctrl-C stops everything.\n");

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    for (const child of children) child.kill("SIGTERM");
  });
}
const codes = await Promise.all(children.map((child) => child.exited));
await ca?.stop();
process.exit(codes.some((code) => code !== 0 && code !== 143) ? 1 : 0);
